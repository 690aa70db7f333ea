// Where the page finds the API. Empty means the same origin as the page (`make run`).
// Deployment overwrites this file with the API URL from the stack outputs, e.g.
//   window.FACEGENDER_CONFIG = { apiBaseUrl: "https://abc123.execute-api.eu-west-1.amazonaws.com" };
window.FACEGENDER_CONFIG = { apiBaseUrl: "" };
