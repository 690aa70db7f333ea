"""The evaluation report as Markdown: the new model beside an earlier one and the seed recipe
(when they were evaluated), every breakdown."""

from __future__ import annotations

import json
from pathlib import Path

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


def write_report(card: dict, folder: Path) -> str:
    """Write ``report.md`` and ``metrics.json`` for ``card`` into ``folder``; returns the report."""
    report = format_report(card)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.md").write_text(report, encoding="utf-8")
    (folder / "metrics.json").write_text(json.dumps(card.get("metrics"), indent=2),
                                         encoding="utf-8")
    return report


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
        if "groups" in new[split]:
            lines += ["", "Recall of each group, end to end (female minus male in points):", ""]
            lines += _recall_groups(new[split]["groups"],
                                    [(n, m[split].get("groups")) for n, m in columns[1:]])
        if "degraded" in new[split]:
            lines += ["", "Degraded before detection (the stress test; recall over the copies "
                          "whose face was still found, drop from the clean photos'):", ""]
            lines += _stress_table(new[split],
                                   [(n, m[split]) for n, m in columns[1:] if "degraded" in m[split]])
        if "race_gap_ages_13_plus" in new[split]:
            lines += ["", f"Gap between best and worst race group, ages 13+: "
                          f"{new[split]['race_gap_ages_13_plus'] * 100:.1f} points"]
        lines.append("")
    lines += _who_it_fails(card)
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


def _who_it_fails(card: dict) -> list[str]:
    """The fair search's levers, the threshold and the out-of-fold group table."""
    fairness = card.get("fairness")
    if not fairness:
        return []
    lines = ["## Who it fails (grouped cross-validation, out of fold)", ""]
    lines += [f"- {line}" for line in card.get("known_failures", [])]
    lines += ["", f"Decision threshold (SVM decision value): {fairness['threshold']:.4f}; "
                  f"{fairness['threshold_rule']}.", "",
              f"Chosen: {fairness['chosen']}; {fairness['selection']}.", "",
              "| candidate | threshold | CV accuracy | female / male recall | degraded probes "
              "female / male | worst group |", "|---|---:|---:|---:|---:|---|"]
    for row in fairness["candidates"]:
        for at in ("at_zero", "at_fair_threshold"):
            r = row[at]
            lines.append(
                f"| {row['candidate']} | {r['threshold']:.3f} | {_fmt(r['cv_accuracy'])} | "
                f"{_fmt(r['recall']['female'])} / {_fmt(r['recall']['male'])} | "
                f"{_fmt(r['degraded_recall']['female'])} / {_fmt(r['degraded_recall']['male'])} | "
                f"{r['worst_group']} {_fmt(r['worst_recall'])} |")
    lines += ["", "Out-of-fold recall of each group at the chosen threshold:", ""]
    lines += _recall_groups(fairness["cv_groups"], [])
    lines += ["", "Degraded probes (copies of training photos, out of fold):", "",
              "| degradation | female | male |", "|---|---:|---:|"]
    for name, row in fairness["cv_degraded"].items():
        lines.append(f"| {name} | {_fmt(_get(row, 'female.recall'))} | "
                     f"{_fmt(_get(row, 'male.recall'))} |")
    return lines + [""]


def _recall_groups(table: dict, others) -> list[str]:
    out = ["| group | faces | recall | " + "".join(f"{name} | " for name, _ in others),
           "|---|---:|---:|" + "---:|" * len(others)]
    for family, groups in table["groups"].items():
        for group, row in groups.items():
            out.append(f"| {family}: {group} | {row['faces']} | {_fmt(row['recall'])} |"
                       + "".join(f" {_fmt(_get(other, f'groups.{family}.{group}.recall'))} |"
                                 if other else " - |" for _, other in others))
    gaps = [f"{group} {points:+.1f}" for family in table["gaps"].values()
            for group, points in family.items()]
    if gaps:
        out += ["", "Female minus male recall, points: " + ", ".join(gaps)]
    return out


def _stress_table(new: dict, others) -> list[str]:
    out = ["| photos | face found | female / male recall | drop female / male (points) | "
           "female minus male | ECE | " + "".join(f"{name} female / male | " for name, _ in others),
           "|---|---:|---:|---:|---:|---:|" + "---:|" * len(others)]
    for name, row in new["degraded"].items():
        drop = row.get("recall_drop", {})
        out.append(
            f"| {name} | {_fmt(row.get('face_found_rate'))} | {_fmt(_get(row, 'recall.female'))} / "
            f"{_fmt(_get(row, 'recall.male'))} | {_points(drop.get('female'))} / "
            f"{_points(drop.get('male'))} | {_fmt(row.get('recall_gap'), 'gap')} | "
            f"{_fmt(row.get('expected_calibration_error'), 'calibration')} |"
            + "".join(f" {_fmt(_get(_degraded(m, name), 'recall.female'))} / "
                      f"{_fmt(_get(_degraded(m, name), 'recall.male'))} |" for _, m in others))
    return out


def _degraded(metrics: dict, name: str) -> dict:
    """One degradation's row; its name may hold a dot (``gamma0.7``), so not through _get."""
    return metrics.get("degraded", {}).get(name, {})


def _points(value) -> str:
    return "-" if value is None else f"{value * 100:.1f}"
