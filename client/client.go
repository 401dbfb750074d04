package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Client calls one easel deployment through one or more endpoints. It is
// safe for concurrent use.
type Client struct {
	endpoints []*url.URL
	secret    string
	http      *http.Client
	attempts  int
	backoff   time.Duration
	maxWait   time.Duration
	userAgent string
	// preferred is the endpoint that answered last: later requests start
	// there, so a dead first origin is not tried before every call.
	preferred atomic.Int32
	sleep     func(ctx context.Context, d time.Duration) error
}

// Option configures a Client.
type Option func(*Client)

// WithAPIKey authenticates with an API key (ek_...).
func WithAPIKey(key string) Option { return func(c *Client) { c.secret = key } }

// WithUploadToken authenticates with an upload token (eut_...) fetched ahead
// from POST /v1/upload-tokens (CreateUploadToken, by the business's server
// with its API key): it allows Upload and UploadResumable to the token's
// tenant, within its byte cap and types, and nothing else (scope_missing).
func WithUploadToken(token string) Option { return func(c *Client) { c.secret = token } }

// WithHTTPClient sets the HTTP client (default: one with a 10-minute
// overall timeout per request).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithRetries sets how many rounds over the endpoints a request makes before
// it gives up (default 5; 1 disables retries).
func WithRetries(attempts int) Option { return func(c *Client) { c.attempts = max(1, attempts) } }

// WithBackoff sets the first retry delay (doubled each round, with full
// jitter) and the longest delay, Retry-After included (defaults 250ms, 30s).
func WithBackoff(first, longest time.Duration) Option {
	return func(c *Client) { c.backoff, c.maxWait = first, longest }
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// New returns a client of the endpoints, tried in order ("http://host:port",
// optionally with a path prefix).
func New(endpoints []string, opts ...Option) (*Client, error) {
	if len(endpoints) == 0 {
		return nil, errors.New("client: no endpoint")
	}
	c := &Client{
		http:      &http.Client{Timeout: 10 * time.Minute},
		attempts:  5,
		backoff:   250 * time.Millisecond,
		maxWait:   30 * time.Second,
		userAgent: "easel-go-client",
		sleep:     sleepCtx,
	}
	for _, e := range endpoints {
		u, err := url.Parse(strings.TrimRight(e, "/"))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("client: endpoint %q: want http(s)://host[:port]", e)
		}
		c.endpoints = append(c.endpoints, u)
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Endpoints returns the endpoints in the order they are tried.
func (c *Client) Endpoints() []string {
	out := make([]string, len(c.endpoints))
	for i, u := range c.endpoints {
		out[i] = u.String()
	}
	return out
}

// request is one API call. body, when set, returns a fresh reader of the
// same bytes for every attempt, and their length (-1: unknown).
type request struct {
	method string
	path   string // "/v1/..." with its query, or an absolute URL (one origin only)
	header http.Header
	body   func() (io.Reader, int64, error)
	// once disables retries and failover after the request was sent (a tus
	// PATCH: the caller resumes from the server's offset instead).
	once bool
}

// do sends req, failing over between endpoints and retrying, and returns the
// first answer below 400 with its body unread (the caller closes it). An
// error answer becomes an *Error.
func (c *Client) do(ctx context.Context, req request) (*http.Response, error) {
	var lastErr error
	for attempt := 0; attempt < c.attempts; attempt++ {
		if attempt > 0 {
			if err := c.sleep(ctx, c.delay(attempt, lastErr)); err != nil {
				return nil, fmt.Errorf("client: %s %s: not retried (%w) after: %w", req.method, req.path, err, lastErr)
			}
		}
		resp, err, next := c.round(ctx, req)
		if !next {
			return resp, err
		}
		lastErr = err
	}
	return nil, lastErr
}

// round tries the endpoints once, starting at the preferred one. next
// reports whether a later round may succeed.
func (c *Client) round(ctx context.Context, req request) (resp *http.Response, err error, next bool) {
	n := len(c.endpoints)
	if strings.Contains(req.path, "://") {
		n = 1
	}
	start := int(c.preferred.Load())
	for i := 0; i < n; i++ {
		idx := (start + i) % len(c.endpoints)
		resp, err = c.send(ctx, c.endpoints[idx], req)
		if ctx.Err() != nil {
			return nil, ctx.Err(), false
		}
		if err != nil {
			if req.once {
				return nil, err, false
			}
			continue // a connection error: the next origin may answer
		}
		if resp.StatusCode < 400 {
			c.preferred.Store(int32(idx))
			return resp, nil, false
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		e := errorFrom(resp, body)
		err = e
		switch {
		case req.once:
			return nil, e, false
		case failoverStatus(e.Status):
			continue
		case e.Status == http.StatusTooManyRequests:
			return nil, e, true // the deployment's limit: wait, don't switch
		default:
			return nil, e, false
		}
	}
	return nil, err, !req.once
}

func (c *Client) send(ctx context.Context, base *url.URL, req request) (*http.Response, error) {
	target := req.path
	if !strings.Contains(target, "://") {
		target = base.String() + req.path
	}
	var (
		body io.Reader
		size int64 = -1
	)
	if req.body != nil {
		var err error
		if body, size, err = req.body(); err != nil {
			return nil, err
		}
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, target, body)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", req.method, target, err)
	}
	if req.body != nil && size >= 0 {
		hr.ContentLength = size
		if size == 0 {
			hr.Body = http.NoBody
		}
	}
	for k, v := range req.header {
		hr.Header[k] = v
	}
	if c.secret != "" {
		hr.Header.Set("Authorization", "Bearer "+c.secret)
	}
	hr.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("client: %s %s: %w", req.method, target, err)
	}
	return resp, nil
}

// doJSON sends in (when not nil) as JSON and decodes the answer into out
// (when not nil).
func (c *Client) doJSON(ctx context.Context, method, path string, in, out any) (*http.Response, error) {
	req := request{method: method, path: path, header: http.Header{}}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("client: encoding %s %s: %w", method, path, err)
		}
		req.header.Set("Content-Type", "application/json")
		req.body = func() (io.Reader, int64, error) { return bytes.NewReader(b), int64(len(b)), nil }
	}
	resp, err := c.do(ctx, req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp, fmt.Errorf("client: decoding %s %s: %w", method, path, err)
		}
	}
	return resp, nil
}
