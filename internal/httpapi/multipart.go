package httpapi

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/upload"
)

// fieldLimit bounds one multipart field other than the file.
const fieldLimit = 64 << 10

// multipartBody streams the "file" part of a multipart/form-data upload: the
// fields before it are read by openMultipart, those after it when the file
// part ends, before the reader reports EOF (so the use case sees every field
// once the body has arrived). Nothing is held in memory but the fields.
type multipartBody struct {
	mr   *multipart.Reader
	file *multipart.Part
	req  *upload.Request
	done bool
}

// openMultipart reads the fields up to the "file" part and returns the
// body that streams it.
func openMultipart(r *http.Request, req *upload.Request) (*multipartBody, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, easel.WrapError(easel.CodeInvalidArgument, err, "malformed multipart body")
	}
	b := &multipartBody{mr: mr, req: req}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, easel.Errorf(easel.CodeInvalidArgument, `multipart body has no "file" field`)
		}
		if err != nil {
			return nil, uploadReadError(err)
		}
		if part.FormName() == "file" {
			b.file = part
			if part.FileName() != "" {
				req.Name = part.FileName()
			}
			return b, nil
		}
		if err := b.field(part); err != nil {
			return nil, err
		}
	}
}

// field reads a task field into the request; other fields are skipped.
func (b *multipartBody) field(part *multipart.Part) error {
	name := part.FormName()
	switch name {
	case "ops", "callback_url", "region", "flow":
	default:
		return nil
	}
	v, err := io.ReadAll(io.LimitReader(part, fieldLimit))
	if err != nil {
		return uploadReadError(err)
	}
	switch name {
	case "ops":
		b.req.Task.Ops = append(b.req.Task.Ops, string(v))
	case "callback_url":
		b.req.Task.CallbackURL = string(v)
	case "flow":
		b.req.Flow = string(v)
	default:
		b.req.Task.Region = string(v)
	}
	return nil
}

// Read implements io.Reader: the file part's bytes, then EOF once the
// fields after it are read.
func (b *multipartBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.file.Read(p)
	if !errors.Is(err, io.EOF) {
		if err != nil {
			err = uploadReadError(err)
		}
		return n, err
	}
	b.done = true
	for {
		part, err := b.mr.NextPart()
		if errors.Is(err, io.EOF) {
			return n, io.EOF
		}
		if err != nil {
			return n, uploadReadError(err)
		}
		if part.FormName() == "file" {
			return n, easel.Errorf(easel.CodeInvalidArgument, `multipart body has more than one "file"`)
		}
		if err := b.field(part); err != nil {
			return n, err
		}
	}
}
