package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/easelhq/easel"
)

// UploadRequest is one file to upload. Exactly one of Reader and Path is set.
type UploadRequest struct {
	// Reader is the image. An io.ReadSeeker is rewound for retries; any
	// other reader is read into memory first so that a retry resends it.
	Reader io.Reader
	// Path is a file to upload; it is reopened for each retry.
	Path string
	// Name is the file name the asset keeps (default: Path's base name).
	Name string
	// Ops are operations strings, one output each, run as a task on the
	// uploaded asset.
	Ops []string
	// Flow names a flow to run on the asset once stored.
	Flow string
	// CallbackURL receives the task's result.
	CallbackURL string
	// Wait holds the answer until the task is final, up to this long (the
	// server caps it at 60s).
	Wait time.Duration
	// Metadata is sent as the "metadata" field, a JSON object.
	Metadata map[string]string
	// IdempotencyKey is sent as the Idempotency-Key header, the same on
	// every retry of this upload.
	IdempotencyKey string
	// Progress, when set, is called as the body is sent, with the bytes sent
	// so far and the total (-1 when unknown). A retry starts again from 0.
	Progress func(sent, total int64)
}

// UploadResult is the stored asset and, when the request had operations,
// the task processing it.
type UploadResult struct {
	Asset Asset
	// Task is nil for an upload without operations. Its state is final when
	// the upload waited long enough.
	Task *Task
}

// Asset is an asset as the API shows it.
type Asset struct {
	easel.Asset
	// NearDuplicates are the tenant's assets already stored within 8 bits of
	// pHash (upload answers only).
	NearDuplicates []easel.Similar `json:"near_duplicates,omitempty"`
	// AnalysisTaskID is the task analysing the upload (upload answers only).
	AnalysisTaskID string `json:"analysis_task_id,omitempty"`
}

// Upload uploads one image with POST /v1/assets (multipart) and, when it has
// operations, the task they make.
func (c *Client) Upload(ctx context.Context, req UploadRequest) (UploadResult, error) {
	open, size, name, err := uploadSource(req)
	if err != nil {
		return UploadResult{}, err
	}
	fields := [][2]string{}
	for _, op := range req.Ops {
		fields = append(fields, [2]string{"ops", op})
	}
	if req.Flow != "" {
		fields = append(fields, [2]string{"flow", req.Flow})
	}
	if req.CallbackURL != "" {
		fields = append(fields, [2]string{"callback_url", req.CallbackURL})
	}
	if len(req.Metadata) > 0 {
		b, _ := json.Marshal(req.Metadata)
		fields = append(fields, [2]string{"metadata", string(b)})
	}
	head, tail, contentType := multipartFrame(fields, name)
	total := int64(-1)
	if size >= 0 {
		total = int64(len(head)) + size + int64(len(tail))
	}
	q := url.Values{}
	if req.Wait > 0 {
		q.Set("wait", req.Wait.String())
	}
	path := "/v1/assets"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	hr := request{method: http.MethodPost, path: path, header: http.Header{"Content-Type": {contentType}}}
	if req.IdempotencyKey != "" {
		hr.header.Set("Idempotency-Key", req.IdempotencyKey)
	}
	var file io.Closer
	hr.body = func() (io.Reader, int64, error) {
		if file != nil {
			file.Close()
		}
		r, err := open()
		if err != nil {
			return nil, 0, err
		}
		if rc, ok := r.(io.Closer); ok && req.Path != "" {
			file = rc // a file this call opened; a caller's reader stays open
		}
		body := io.MultiReader(bytes.NewReader(head), r, bytes.NewReader(tail))
		if req.Progress != nil {
			body = &progressReader{r: body, total: total, report: req.Progress}
		}
		return body, total, nil
	}
	defer func() {
		if file != nil {
			file.Close()
		}
	}()
	resp, err := c.do(ctx, hr)
	if err != nil {
		return UploadResult{}, fmt.Errorf("client: uploading %q: %w", name, err)
	}
	defer resp.Body.Close()
	return decodeUpload(resp)
}

// decodeUpload reads a 201 (the asset) or a 200/202 ({"asset","task"}).
func decodeUpload(resp *http.Response) (UploadResult, error) {
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return UploadResult{}, fmt.Errorf("client: reading the upload answer: %w", err)
	}
	var res UploadResult
	if resp.StatusCode == http.StatusCreated {
		err = json.Unmarshal(b, &res.Asset)
	} else {
		var v struct {
			Asset Asset `json:"asset"`
			Task  *Task `json:"task"`
		}
		err = json.Unmarshal(b, &v)
		res.Asset, res.Task = v.Asset, v.Task
	}
	if err != nil || res.Asset.ID == "" {
		return UploadResult{}, fmt.Errorf("client: upload answer %d is not an asset: %.200s", resp.StatusCode, b)
	}
	return res, nil
}

// uploadSource returns a function opening the image afresh for each
// attempt, its size (-1: unknown) and its name.
func uploadSource(req UploadRequest) (open func() (io.Reader, error), size int64, name string, err error) {
	name = req.Name
	switch {
	case (req.Reader == nil) == (req.Path == ""):
		return nil, 0, "", errors.New("client: upload: set exactly one of Reader and Path")
	case req.Path != "":
		st, err := os.Stat(req.Path)
		if err != nil {
			return nil, 0, "", fmt.Errorf("client: upload: %w", err)
		}
		if !st.Mode().IsRegular() {
			return nil, 0, "", fmt.Errorf("client: upload: %q is not a regular file", req.Path)
		}
		if name == "" {
			name = filepath.Base(req.Path)
		}
		return func() (io.Reader, error) { return os.Open(req.Path) }, st.Size(), name, nil
	}
	if name == "" {
		name = "upload"
	}
	if rs, ok := req.Reader.(io.ReadSeeker); ok {
		start, err := rs.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, 0, "", fmt.Errorf("client: upload: %w", err)
		}
		end, err := rs.Seek(0, io.SeekEnd)
		if err != nil {
			return nil, 0, "", fmt.Errorf("client: upload: %w", err)
		}
		open = func() (io.Reader, error) {
			if _, err := rs.Seek(start, io.SeekStart); err != nil {
				return nil, err
			}
			return rs, nil
		}
		return open, end - start, name, nil
	}
	b, err := io.ReadAll(req.Reader)
	if err != nil {
		return nil, 0, "", fmt.Errorf("client: upload: reading the image: %w", err)
	}
	return func() (io.Reader, error) { return bytes.NewReader(b), nil }, int64(len(b)), name, nil
}

// multipartFrame returns the multipart body around the file's bytes: the
// fields and the file part's header, then the closing boundary.
func multipartFrame(fields [][2]string, name string) (head, tail []byte, contentType string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		_ = mw.WriteField(f[0], f[1])
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename="%s"`, quoteEscaper.Replace(name)))
	h.Set("Content-Type", "application/octet-stream")
	_, _ = mw.CreatePart(h)
	head = append([]byte(nil), buf.Bytes()...)
	buf.Reset()
	_ = mw.Close()
	return head, buf.Bytes(), mw.FormDataContentType()
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "")

// progressReader reports the bytes read through it.
type progressReader struct {
	r      io.Reader
	sent   int64
	total  int64
	report func(sent, total int64)
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.sent += int64(n)
		p.report(p.sent, p.total)
	}
	return n, err
}
