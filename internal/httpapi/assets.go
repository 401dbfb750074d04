package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/processing"
)

// multipartSlack is how much a multipart body may exceed the upload limit
// (boundaries, headers, small fields).
const multipartSlack = 1 << 20

// uploadAsset handles POST /v1/assets: multipart field "file", or the raw
// image as the body. Operations (fields or query parameters "ops", repeated,
// and "callback_url") make it also submit a task; "?wait=10s" then holds the
// response until the task is final or the time is up.
func (s *server) uploadAsset(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	release, err := s.Assets.Reserve(ctx)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	defer release()
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes+multipartSlack)
	q := r.URL.Query()
	name := q.Get("name")
	req := processing.TaskRequest{Ops: q["ops"], CallbackURL: q.Get("callback_url"), Region: q.Get("region")}
	wait, err := parseWait(q.Get("wait"))
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	var data []byte
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mediaType == "multipart/form-data" {
		data, name, err = s.readMultipart(r, name, &req)
	} else {
		data, err = s.Assets.Read(r.Body)
	}
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	if len(req.Ops) > 0 {
		if s.Tasks == nil {
			writeError(w, r, s.Log, easel.Errorf(easel.CodeInvalidArgument, "ops: this server runs no task queue"))
			return
		}
		if _, err := s.Tasks.Validate(req); err != nil {
			writeError(w, r, s.Log, err)
			return
		}
	}
	a, err := s.Assets.Store(ctx, tenantOf(r), name, data)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	w.Header().Set("Location", "/v1/assets/"+a.ID)
	view := uploadView{Asset: a}
	if s.AnalyzeUploads && q.Get("analyze") != "false" && s.Tasks != nil && s.Similar != nil {
		// The analysis runs on a worker; the pHash for near duplicates is
		// computed here, from a small shrink-on-load decode.
		if t, err := s.Tasks.SubmitAnalysis(ctx, a); err != nil {
			s.Log.Warn("analysis not submitted", "asset", a.ID, "err", err)
		} else {
			view.AnalysisTaskID = t.ID
		}
		if h, err := s.Similar.PHash(ctx, data); err == nil {
			view.NearDuplicates, err = s.Similar.Near(ctx, a.TenantID, h, 8, 20, a.ID)
			if err != nil {
				s.Log.Warn("near duplicates not searched", "asset", a.ID, "err", err)
			}
		}
	}
	if len(req.Ops) == 0 {
		writeJSON(w, http.StatusCreated, view)
		return
	}
	req.AssetID = a.ID
	_, tasks, err := s.Tasks.Submit(ctx, tenantOf(r), []processing.TaskRequest{req}, false)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	s.respondTask(w, r, tasks[0], wait, view)
}

// uploadView is an uploaded asset with the near duplicates already stored
// (pHash within 8 bits).
type uploadView struct {
	easel.Asset
	NearDuplicates []easel.Similar `json:"near_duplicates,omitempty"`
	AnalysisTaskID string          `json:"analysis_task_id,omitempty"` // GET /v1/tasks/{id} follows it
}

// readMultipart reads the "file" part and the task fields around it.
func (s *server) readMultipart(r *http.Request, name string, req *processing.TaskRequest) ([]byte, string, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", easel.WrapError(easel.CodeInvalidArgument, err, "malformed multipart body")
	}
	var data []byte
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, "", uploadReadError(err)
		}
		switch part.FormName() {
		case "file":
			if data != nil {
				return nil, "", easel.Errorf(easel.CodeInvalidArgument, `multipart body has more than one "file"`)
			}
			if data, err = s.Assets.Read(part); err != nil {
				return nil, "", err
			}
			if data == nil {
				data = []byte{}
			}
			if part.FileName() != "" {
				name = part.FileName()
			}
		case "ops", "callback_url", "region":
			v, err := io.ReadAll(io.LimitReader(part, 64<<10))
			if err != nil {
				return nil, "", uploadReadError(err)
			}
			switch part.FormName() {
			case "ops":
				req.Ops = append(req.Ops, string(v))
			case "callback_url":
				req.CallbackURL = string(v)
			default:
				req.Region = string(v)
			}
		}
	}
	if data == nil {
		return nil, "", easel.Errorf(easel.CodeInvalidArgument, `multipart body has no "file" field`)
	}
	return data, name, nil
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

// similarAssets handles GET /v1/assets/{id}/similar?max_distance=8&limit=20.
func (s *server) similarAssets(w http.ResponseWriter, r *http.Request) {
	a, err := s.Assets.Get(r.Context(), tenantOf(r), r.PathValue("id"))
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	q := r.URL.Query()
	maxDistance, limit := 8, 20
	if v := q.Get("max_distance"); v != "" {
		if maxDistance, err = strconv.Atoi(v); err != nil || maxDistance < 0 || maxDistance > 16 {
			writeError(w, r, s.Log, easel.Errorf(easel.CodeInvalidArgument, "max_distance must be an integer 0..16"))
			return
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 200 {
			writeError(w, r, s.Log, easel.Errorf(easel.CodeInvalidArgument, "limit must be an integer 1..200"))
			return
		}
	}
	items, err := s.Similar.ForAsset(r.Context(), a, maxDistance, limit)
	if err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *server) deleteAsset(w http.ResponseWriter, r *http.Request) {
	if err := s.Assets.Delete(r.Context(), tenantOf(r), r.PathValue("id")); err != nil {
		writeError(w, r, s.Log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
