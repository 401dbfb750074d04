package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/easelhq/easel"
)

// multipartSlack is how much a multipart body may exceed the upload limit
// (boundaries, headers, small fields).
const multipartSlack = 1 << 20

// uploadAsset handles POST /v1/assets: multipart field "file", or the raw
// image as the body.
func (s *server) uploadAsset(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes+multipartSlack)
	var (
		body io.Reader
		name = r.URL.Query().Get("name")
	)
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			writeError(w, r, s.Log, easel.WrapError(easel.CodeInvalidArgument, err, "malformed multipart body"))
			return
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				writeError(w, r, s.Log, uploadReadError(err))
				return
			}
			if part.FormName() == "file" {
				body = part
				if part.FileName() != "" {
					name = part.FileName()
				}
				break
			}
		}
		if body == nil {
			writeError(w, r, s.Log, easel.Errorf(easel.CodeInvalidArgument, `multipart body has no "file" field`))
			return
		}
	} else {
		body = r.Body
	}
	a, err := s.Assets.Upload(r.Context(), tenantOf(r), name, body)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	w.Header().Set("Location", "/v1/assets/"+a.ID)
	writeJSON(w, http.StatusCreated, a)
}

func uploadReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return easel.Errorf(easel.CodeTooLarge, "upload is larger than %d bytes", mbe.Limit-multipartSlack)
	}
	return easel.WrapError(easel.CodeInvalidArgument, err, "malformed multipart body")
}

func (s *server) getAsset(w http.ResponseWriter, r *http.Request) {
	a, err := s.Assets.Get(r.Context(), tenantOf(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

type assetList struct {
	Items      []easel.Asset `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

func (s *server) listAssets(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page := easel.ListPage{Cursor: q.Get("cursor"), Limit: 50}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, r, s.Log, easel.Errorf(easel.CodeInvalidArgument, "limit must be an integer 1..1000"))
			return
		}
		page.Limit = n
	}
	items, next, err := s.Assets.List(r.Context(), tenantOf(r), page)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	if items == nil {
		items = []easel.Asset{}
	}
	writeJSON(w, http.StatusOK, assetList{Items: items, NextCursor: next})
}

func (s *server) deleteAsset(w http.ResponseWriter, r *http.Request) {
	if err := s.Assets.Delete(r.Context(), tenantOf(r), r.PathValue("id")); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
