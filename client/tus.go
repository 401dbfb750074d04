package client

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// tusVersion is the tus protocol version this client speaks.
const tusVersion = "1.0.0"

// DefaultChunkSize is the bytes sent per PATCH when ResumableRequest leaves
// ChunkSize unset.
const DefaultChunkSize = 16 << 20

// ResumableRequest is a file to upload with tus. Reader, when used instead
// of Path, must be an io.ReadSeeker.
type ResumableRequest struct {
	UploadRequest
	// ChunkSize is the most bytes sent in one PATCH (default
	// DefaultChunkSize). A cut connection loses at most what the server had
	// not stored yet; the upload resumes from the server's offset.
	ChunkSize int64
	// Store keeps the upload URL under Fingerprint, so that a later call
	// (another process) resumes the same upload. nil: no persistence.
	Store ResumeStore
	// Fingerprint names the upload in Store (default: the absolute path,
	// size and modification time of Path).
	Fingerprint string
}

// ResumableResult is a completed tus upload.
type ResumableResult struct {
	// URL is the upload's URL on the server.
	URL string
	// AssetID is the stored asset, from the Easel-Asset-Id header of the
	// answer completing the upload (or of a HEAD after it).
	AssetID string
	// Size is the upload's length in bytes; Resumed the offset it resumed
	// from (0 for a fresh upload).
	Size, Resumed int64
}

// UploadResumable uploads with tus 1.0 to /v1/uploads: it creates the upload
// (or finds the one Store remembers and asks the server its offset), sends
// the bytes in chunks and, when a chunk fails (a cut connection, a 5xx),
// asks the offset again with HEAD and resumes from there, up to the client's
// retry count in a row without progress.
func (c *Client) UploadResumable(ctx context.Context, req ResumableRequest) (ResumableResult, error) {
	if _, ok := req.Reader.(io.ReadSeeker); req.Reader != nil && !ok {
		return ResumableResult{}, errors.New("client: resumable upload: the reader must be an io.ReadSeeker")
	}
	open, size, name, err := uploadSource(req.UploadRequest)
	if err != nil {
		return ResumableResult{}, err
	}
	r, err := open()
	if err != nil {
		return ResumableResult{}, fmt.Errorf("client: resumable upload %q: %w", name, err)
	}
	if cl, ok := r.(io.Closer); ok && req.Path != "" {
		defer cl.Close()
	}
	src := r.(io.ReadSeeker) // a file, or req.Reader
	chunk := req.ChunkSize
	if chunk <= 0 {
		chunk = DefaultChunkSize
	}
	fp := req.Fingerprint
	if fp == "" && req.Path != "" {
		fp = fingerprint(req.Path)
	}
	res := ResumableResult{Size: size}
	offset := int64(-1)
	if req.Store != nil && fp != "" {
		if u, ok := req.Store.Get(fp); ok {
			if off, asset, err := c.tusOffset(ctx, u); err == nil {
				res.URL, offset, res.AssetID, res.Resumed = u, off, asset, off
			}
		}
	}
	if offset < 0 {
		if res.URL, err = c.tusCreate(ctx, size, tusMetadata(req.UploadRequest, name)); err != nil {
			return res, fmt.Errorf("client: resumable upload %q: %w", name, err)
		}
		offset = 0
		if req.Store != nil && fp != "" {
			if err := req.Store.Put(fp, res.URL); err != nil {
				return res, fmt.Errorf("client: resumable upload %q: %w", name, err)
			}
		}
	}
	failures := 0
	for offset < size {
		n := min(chunk, size-offset)
		if req.Progress != nil {
			req.Progress(offset, size)
		}
		next, asset, err := c.tusPatch(ctx, res.URL, src, offset, n, size, req.Progress)
		if err == nil {
			offset, failures = next, 0
			if asset != "" {
				res.AssetID = asset
			}
			continue
		}
		if ctx.Err() != nil {
			return res, fmt.Errorf("client: resumable upload %q at byte %d: %w", name, offset, ctx.Err())
		}
		var e *Error
		if errors.As(err, &e) && !IsRetryable(err) && e.Status != http.StatusConflict {
			return res, fmt.Errorf("client: resumable upload %q: %w", name, err)
		}
		failures++
		if failures >= c.attempts {
			return res, fmt.Errorf("client: resumable upload %q: %d failures in a row at byte %d: %w", name, failures, offset, err)
		}
		if err := c.sleep(ctx, c.delay(failures, err)); err != nil {
			return res, fmt.Errorf("client: resumable upload %q: %w", name, err)
		}
		off, asset, herr := c.tusOffset(ctx, res.URL)
		if herr != nil {
			return res, fmt.Errorf("client: resumable upload %q: after %v: %w", name, err, herr)
		}
		offset = off
		if asset != "" {
			res.AssetID = asset
		}
	}
	if req.Progress != nil {
		req.Progress(size, size)
	}
	if res.AssetID == "" {
		// The completing answer was lost: a HEAD tells the asset.
		if _, asset, err := c.tusOffset(ctx, res.URL); err == nil {
			res.AssetID = asset
		}
	}
	if req.Store != nil && fp != "" {
		_ = req.Store.Delete(fp)
	}
	return res, nil
}

// tusCreate creates an upload and returns its URL (a path on the endpoint
// that answered, or absolute when the server named another origin).
func (c *Client) tusCreate(ctx context.Context, size int64, metadata string) (string, error) {
	h := http.Header{"Tus-Resumable": {tusVersion}, "Upload-Length": {strconv.FormatInt(size, 10)}}
	if metadata != "" {
		h.Set("Upload-Metadata", metadata)
	}
	resp, err := c.do(ctx, request{method: http.MethodPost, path: "/v1/uploads", header: h,
		body: func() (io.Reader, int64, error) { return strings.NewReader(""), 0, nil }})
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusCreated || loc == "" {
		return "", fmt.Errorf("creating a tus upload: answer %d without Location", resp.StatusCode)
	}
	abs, err := resp.Request.URL.Parse(loc)
	if err != nil {
		return "", fmt.Errorf("creating a tus upload: Location %q: %w", loc, err)
	}
	return c.relative(abs), nil
}

// relative turns an URL on one of the endpoints into a path, so that any
// endpoint may continue the upload.
func (c *Client) relative(u *url.URL) string {
	s := u.String()
	for _, ep := range c.endpoints {
		if rest, ok := strings.CutPrefix(s, ep.String()); ok && strings.HasPrefix(rest, "/") {
			return rest
		}
	}
	return s
}

// tusOffset asks the server how many bytes of the upload it has (HEAD).
func (c *Client) tusOffset(ctx context.Context, u string) (offset int64, assetID string, err error) {
	resp, err := c.do(ctx, request{method: http.MethodHead, path: u, header: http.Header{"Tus-Resumable": {tusVersion}}})
	if err != nil {
		return 0, "", err
	}
	resp.Body.Close()
	offset, err = strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
	if err != nil || offset < 0 {
		return 0, "", fmt.Errorf("tus HEAD %s: bad Upload-Offset %q", u, resp.Header.Get("Upload-Offset"))
	}
	return offset, resp.Header.Get("Easel-Asset-Id"), nil
}

// tusPatch sends n bytes from offset and returns the server's new offset.
func (c *Client) tusPatch(ctx context.Context, u string, src io.ReadSeeker, offset, n, total int64, progress func(sent, total int64)) (int64, string, error) {
	h := http.Header{
		"Tus-Resumable": {tusVersion},
		"Upload-Offset": {strconv.FormatInt(offset, 10)},
		"Content-Type":  {"application/offset+octet-stream"},
	}
	body := func() (io.Reader, int64, error) {
		if _, err := src.Seek(offset, io.SeekStart); err != nil {
			return nil, 0, err
		}
		var r io.Reader = io.LimitReader(src, n)
		if progress != nil {
			r = &progressReader{r: r, sent: offset, total: total, report: progress}
		}
		return r, n, nil
	}
	resp, err := c.do(ctx, request{method: http.MethodPatch, path: u, header: h, body: body, once: true})
	if err != nil {
		return 0, "", err
	}
	resp.Body.Close()
	next, err := strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
	if err != nil || next < offset || next > total {
		return 0, "", fmt.Errorf("tus PATCH %s: bad Upload-Offset %q", u, resp.Header.Get("Upload-Offset"))
	}
	return next, resp.Header.Get("Easel-Asset-Id"), nil
}

// tusMetadata encodes Upload-Metadata: "key base64(value)" pairs. The file
// name, operations (a JSON array) and flow go under filename, ops and flow.
func tusMetadata(req UploadRequest, name string) string {
	m := map[string]string{"filename": name}
	for k, v := range req.Metadata {
		m[k] = v
	}
	if len(req.Ops) > 0 {
		b, _ := json.Marshal(req.Ops)
		m["ops"] = string(b)
	}
	if req.Flow != "" {
		m["flow"] = req.Flow
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "" && !strings.ContainsAny(k, " ,") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + base64.StdEncoding.EncodeToString([]byte(m[k]))
	}
	return strings.Join(parts, ",")
}

// fingerprint names a file's upload: the same path, size and modification
// time resume the same upload.
func fingerprint(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	st, err := os.Stat(abs)
	if err != nil {
		return abs
	}
	return fmt.Sprintf("%s|%d|%d", abs, st.Size(), st.ModTime().UnixNano())
}
