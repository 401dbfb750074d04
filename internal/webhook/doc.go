// Package webhook delivers task callbacks to tenants' HTTP endpoints.
//
// Requests follow the Standard Webhooks specification
// (https://www.standardwebhooks.com), as Svix implements it: every POST
// carries the headers
//
//	webhook-id:        <task ID>.<event>   (stable across retries: receivers de-duplicate on it)
//	webhook-timestamp: <unix seconds>      (new for every attempt)
//	webhook-signature: v1,<base64 of HMAC-SHA256(secret, "<id>.<timestamp>.<body>")>
//
// and a JSON body of the shape of [Payload]:
//
//	{"type": "task.succeeded", "timestamp": "2025-01-02T03:04:05.123Z", "data": {...the task, as GET /v1/tasks/{id} shows it...}}
//
// Signing secrets are 24 random bytes ([NewSecret]), shown to users as
// "whsec_" followed by their standard base64 ([FormatSecret], [ParseSecret]).
// Receivers check a request with [Verify]; any Standard Webhooks library
// (svix, standardwebhooks) does the same.
//
// Callback URLs are user input, so the package guards against server-side
// request forgery twice: [CheckURL] refuses bad URLs when a task is submitted,
// and the HTTP client of [NewClient] refuses, after DNS resolution, to
// connect to loopback and private addresses unless configured to, and to
// every other special-purpose address always (the classification of
// internal/netguard, from the IANA registries). It never follows redirects.
//
// A [Dispatcher] consumes the queue's callback messages and delivers them,
// retrying failed attempts on a schedule of about three days, and records
// every attempt with the TaskStore.
package webhook
