"""The evaluation report as Markdown: the new model beside an earlier one and the seed recipe
(when they were evaluated), every breakdown."""

from __future__ import annotations

HEADLINE = [
    ("face_found_rate", "face found"),
    ("accuracy_end_to_end", "accuracy, end to end (no face = wrong)"),
    ("accuracy_detected", "accuracy over detected faces"),
    ("roc_auc", "ROC AUC"),
    ("expected_calibration_error", "expected calibration error"),
    ("calibration_error_if_calibrated", "the same, for a perfectly calibrated model (noise floor)"),
    ("recall.female", "recall, female"),
    ("recall.male", "recall, male"),
    ("recall_gap", "female minus male recall (points)"),
]


def format_report(card: dict) -> str:
    metrics = card.get("metrics", {})
    new = metrics.get("new")
    if new is None:  # a seed-only run
        new, metrics = metrics.get("seed") or metrics, {}
    columns = [("new", new)] + [(name, metrics[name]) for name in ("earlier", "seed")
                                if metrics.get(name)]
    lines = ["# Evaluation report", ""]
    if metrics.get("earlier_model_version"):
        lines += [f"Beside it: the earlier model `{metrics['earlier_model_version']}`, on the "
                  "same images.", ""]
    if "version" in card:
        channels = " + ".join(f"{c['name']} (PCA {c['n_components']})" for c in card["channels"])
        lines += [f"Model `{card['version']}`: {channels}, "
                  f"RBF SVM C={card['svm']['C']:g} gamma={card['svm']['gamma']:.3g}, "
                  f"{card['svm']['n_support_vectors']} support vectors.", ""]
        lines += ["Labels are the datasets' binary gender annotations: the model guesses "
                  "*apparent, binary gender presentation*, not anyone's identity.", ""]
    for split in new:
        lines += [f"## {split} test", ""]
        lines += _table(HEADLINE, [(name, m[split]) for name, m in columns])
        if "ages_13_plus" in new[split]:
            lines += ["", "Ages 13 and over:", ""]
            lines += _table(HEADLINE, [(n, m[split]["ages_13_plus"]) for n, m in columns])
        for key in ("by_source", "by_race", "by_race_ages_13_plus", "by_age_group"):
            if key in new[split]:
                lines += ["", f"{key.replace('_', ' ')} (end-to-end accuracy / face found):", ""]
                lines += _group_table(new[split][key],
                                      [(name, m[split].get(key, {})) for name, m in columns[1:]])
        if "race_gap_ages_13_plus" in new[split]:
            lines += ["", f"Gap between best and worst race group, ages 13+: "
                          f"{new[split]['race_gap_ages_13_plus'] * 100:.1f} points"]
        lines.append("")
    if "training" in card and "timings_s" in card["training"]:
        lines += ["## Training time (s)", ""]
        lines += [f"- {k}: {v}" for k, v in card["training"]["timings_s"].items()]
    return "\n".join(lines) + "\n"


def _get(d, dotted):
    for part in dotted.split("."):
        if not isinstance(d, dict) or part not in d:
            return None
        d = d[part]
    return d


def _fmt(value, key=""):
    if value is None:
        return "-"
    if "calibration" in key or "auc" in key:
        return f"{value:.3f}"
    if "gap" in key:
        return f"{value * 100:+.1f}"
    return f"{value * 100:.1f}%"


def _table(rows, columns):
    out = ["| figure | " + " | ".join(name for name, _ in columns) + " |",
           "|---|" + "---:|" * len(columns)]
    for key, label in rows:
        out.append(f"| {label} | " + " | ".join(_fmt(_get(m, key), key) for _, m in columns) + " |")
    return out


def _group_table(new, others):
    """End-to-end accuracy / face found per group; the new model's recall per class too."""
    out = ["| group | images | new | female / male recall | "
           + "".join(f"{name} | " for name, _ in others),
           "|---|---:|---:|---:|" + "---:|" * len(others)]
    for group, figures in new.items():
        recall = figures.get("recall_end_to_end") or {}
        row = (f"| {group} | {figures['images']} | {_cell(figures)} | "
               f"{_fmt(recall.get('female'))} / {_fmt(recall.get('male'))} |")
        row += "".join(f" {_cell(other[group]) if group in other else '-'} |"
                       for _, other in others)
        out.append(row)
    return out


def _cell(figures: dict) -> str:
    return f"{_fmt(figures['accuracy_end_to_end'])} / {_fmt(figures['face_found_rate'])}"
