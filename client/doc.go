// Package client is the Go SDK of easel's HTTP API.
//
// A Client holds one or more endpoints (origins of the same easel
// deployment) and a credential: an API key, or an upload token fetched ahead
// by the business's server, sent as "Authorization: Bearer <secret>".
//
//	c, err := client.New([]string{"https://up1.example.com", "https://up2.example.com"},
//		client.WithAPIKey(os.Getenv("EASEL_API_KEY")))
//	res, err := c.Upload(ctx, client.UploadRequest{Path: "photo.jpg", Ops: []string{"w_300,f_webp"}, Wait: 10 * time.Second})
//
// # Upload tokens
//
// A business's server holding an API key (with the upload scope) makes
// short-lived upload tokens with CreateUploadToken: a lifetime (at most
// 24h), a byte cap, the formats allowed, and the operations or flow every
// upload made with it runs. A browser or app given the token uploads with a
// client made WithUploadToken (Upload and UploadResumable), to the key's
// tenant only; any other call is refused with scope_missing, an expired
// token with token_expired (ErrTokenExpired), an upload over the cap with
// too_large (ErrTooLarge) and nothing stored. See Example_uploadToken.
//
// # Failover and retries
//
// Every request tries the endpoints in order: a connection error or a 502,
// 503 or 504 from one origin moves on to the next. When every endpoint has
// been tried, or the answer is a 429 or 503, the request is retried after an
// exponential backoff with full jitter, or after the server's Retry-After
// when it sent one, up to a bounded number of attempts (WithRetries), and
// never past the context's deadline. Request bodies are replayed from the
// file or from a buffer, so retries resend the same bytes. Other answers
// (4xx) are final.
//
// # Errors
//
// An error answer becomes an *Error carrying the HTTP status and the
// server's stable code ("not_found", "too_large", "overloaded", ...; see
// the easel package's Code). errors.Is(err, client.ErrNotFound) and the
// other sentinels match by code, and IsRetryable tells what a retry may fix.
//
// # Resumable uploads
//
// UploadResumable speaks tus 1.0 with the server's /v1/uploads endpoint: it
// creates an upload (POST with Upload-Length and Upload-Metadata), sends the
// bytes in chunks (PATCH with Upload-Offset), and after a cut connection asks
// the server for its offset (HEAD) and resumes from there. The upload URL is
// kept in a ResumeStore, so a later run (the easel CLI's) resumes a file
// interrupted by an earlier one. The response that completes the upload names
// the asset in its Easel-Asset-Id header.
//
// # Delivery URLs
//
// SignURL builds a signed delivery path with a tenant signing key, through
// the transform package, without asking the server.
package client
