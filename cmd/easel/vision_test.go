package main

import (
	"bytes"
	"context"
	"image"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
	"github.com/easelhq/easel/internal/meta/sqlite"
	"github.com/easelhq/easel/internal/testimages"
)

// analysed uploads a file and waits for its analysis.
func (s *server) analysed(t *testing.T, rel string) map[string]any {
	t.Helper()
	status, up := s.upload(t, testimages.Path(t, rel))
	require.Equal(t, http.StatusCreated, status, "%v", up)
	taskID, _ := up["analysis_task_id"].(string)
	require.NotEmpty(t, taskID, "uploads are analysed: %v", up)
	task := s.waitTask(t, taskID, 60*time.Second)
	require.Equal(t, "succeeded", task["state"], "%v", task)
	_, a := s.apiCall(t, "GET", "/v1/assets/"+up["id"].(string), nil)
	return a
}

func TestAnalysisFacesHashesColours(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	_, ready := s.apiCall(t, "GET", "/readyz", nil)
	require.Equal(t, "blazeface", field(ready, "checks", "face_detector"), "make test fetches the model: %v", ready)

	tests := []struct {
		file  string
		faces int
		box   [4]float64 // x0, y0, x1, y1 the face's centre must fall in
	}{
		{"faces/thumbor_Katherine_Maher_800px.jpg", 1, [4]float64{300, 60, 500, 420}},
		{"faces/skimage_astronaut.png", 1, [4]float64{170, 50, 300, 210}},
		{"faces/thumbor_no_face.jpg", 0, [4]float64{}},
		{"orientation/pillow_hopper_orientation_6.webp", 1, [4]float64{0, 0, 128, 128}},
	}
	hex16 := regexp.MustCompile(`^[0-9a-f]{16}$`)
	colour := regexp.MustCompile(`^#[0-9a-f]{6}$`)
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			a := s.analysed(t, tt.file)
			faces := a["faces"].([]any)
			require.Len(t, faces, tt.faces, "%v", faces)
			for _, f := range faces {
				box := f.(map[string]any)["box"].(map[string]any)
				cx := box["x"].(float64) + box["w"].(float64)/2
				cy := box["y"].(float64) + box["h"].(float64)/2
				require.True(t, cx >= tt.box[0] && cx <= tt.box[2] && cy >= tt.box[1] && cy <= tt.box[3],
					"face centre (%.0f,%.0f) in displayed pixels, want inside %v", cx, cy, tt.box)
			}
			require.Regexp(t, hex16, a["phash"])
			require.Regexp(t, hex16, a["dhash"])
			require.NotEmpty(t, a["blurhash"])
			colours := a["colors"].([]any)
			require.NotEmpty(t, colours)
			require.LessOrEqual(t, len(colours), 5)
			for _, c := range colours {
				require.Regexp(t, colour, c)
			}
		})
	}
}

func TestNearDuplicates(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	first := s.analysed(t, "phash/goimagehash_sample1.jpg")
	other := s.analysed(t, "photos/mate_Wood.jpg")

	status, dup := s.upload(t, testimages.Path(t, "phash/goimagehash_sample3.jpg"))
	require.Equal(t, http.StatusCreated, status)
	near := dup["near_duplicates"].([]any)
	require.Len(t, near, 1, "the near duplicate is listed at upload: %v", near)
	require.Equal(t, first["id"], near[0].(map[string]any)["asset_id"])
	require.LessOrEqual(t, near[0].(map[string]any)["distance"].(float64), 10.0)

	s.waitTask(t, dup["analysis_task_id"].(string), 60*time.Second) // only analysed assets are indexed
	status, body := s.apiCall(t, "GET", "/v1/assets/"+first["id"].(string)+"/similar?max_distance=8", nil)
	require.Equal(t, http.StatusOK, status, "%v", body)
	items := body["items"].([]any)
	require.Len(t, items, 1)
	require.Equal(t, dup["id"], items[0].(map[string]any)["asset_id"])
	for _, it := range items {
		require.NotEqual(t, other["id"], it.(map[string]any)["asset_id"], "an unrelated photo is not similar")
	}
	status, _ = s.apiCall(t, "GET", "/v1/assets/"+first["id"].(string)+"/similar?max_distance=99", nil)
	require.Equal(t, http.StatusBadRequest, status)

	status, skipped := s.upload(t, testimages.Path(t, "phash/goimagehash_sample1.jpg")+"")
	require.Equal(t, http.StatusCreated, status)
	require.NotEmpty(t, skipped["near_duplicates"], "identical bytes are a near duplicate too")
}

func TestAnalyzeFalse(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	status, up := s.uploadWith(t, testimages.Path(t, "faces/pillow_hopper.jpg"), "?analyze=false")
	require.Equal(t, http.StatusCreated, status)
	require.Nil(t, up["analysis_task_id"])
	require.Nil(t, up["near_duplicates"])
	// Tasks are committed before the upload answers: no analysis task
	// exists for the asset, so no analysis can ever run for it (its levels
	// task does not depend on the analysis).
	meta, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(s.data, "easel.db"), BusyTimeout: 5 * time.Second})
	require.NoError(t, err)
	defer meta.Close()
	for _, state := range []easel.TaskState{easel.TaskAccepted, easel.TaskQueued, easel.TaskRunning, easel.TaskRetrying, easel.TaskSucceeded, easel.TaskDead} {
		tasks, err := meta.ListTasks(context.Background(), state, time.Now().Add(time.Hour), 10000)
		require.NoError(t, err)
		for _, task := range tasks {
			if task.AssetID == up["id"] {
				require.Equal(t, easel.TaskLevels, task.Kind, "a %s task for the asset", task.Kind)
			}
		}
	}
	_, a := s.apiCall(t, "GET", "/v1/assets/"+up["id"].(string), nil)
	require.Nil(t, a["faces"], "no analysis: %v", a)
}

func TestFaceOperations(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	face := s.analysed(t, "faces/thumbor_Katherine_Maher_800px.jpg")
	noFace := s.analysed(t, "faces/thumbor_no_face.jpg")
	// an asset whose analysis has not run: faces are detected on the fly
	status, fresh := s.uploadWith(t, testimages.Path(t, "faces/skimage_astronaut.png"), "?analyze=false")
	require.Equal(t, http.StatusCreated, status)

	render := func(id, ops string) (*http.Response, []byte) {
		path := s.easel(t, "url", "sign", "--data", s.data, id, ops)
		resp, body := s.get(t, path)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", ops, body)
		return resp, body
	}
	tests := []struct {
		name  string
		id    string
		ops   string
		faces string
		w, h  int
	}{
		{"face crop", face["id"].(string), "w_200,h_200,c_fill,g_face,f_png", "1", 200, 200},
		{"faces crop", face["id"].(string), "w_150,h_300,c_fill,g_faces,f_png", "1", 150, 300},
		{"no face: smart crop", noFace["id"].(string), "w_200,h_200,c_fill,g_face,f_png", "0", 200, 200},
		{"redeye", face["id"].(string), "w_400,e_redeye,f_png", "1", 400, 267},
		{"whiten", face["id"].(string), "w_400,e_whiten:60,f_png", "1", 400, 267},
		{"blur faces", face["id"].(string), "w_400,e_blur_faces,f_jpeg", "1", 400, 267},
		{"pixelate faces", face["id"].(string), "w_400,e_pixelate_faces:16,f_jpeg", "1", 400, 267},
		{"detected on the fly", fresh["id"].(string), "w_256,e_blur_faces,f_png", "1", 256, 256},
		{"no face operation, no header", face["id"].(string), "w_100,f_png", "", 100, 67},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := render(tt.id, tt.ops)
			require.Equal(t, tt.faces, resp.Header.Get("X-Easel-Faces"))
			cfg, _, err := image.DecodeConfig(bytes.NewReader(body))
			require.NoError(t, err)
			require.Equal(t, tt.w, cfg.Width)
			require.Equal(t, tt.h, cfg.Height)
		})
	}
	t.Run("face effects change the face only; with no face, nothing", func(t *testing.T) {
		_, plain := render(face["id"].(string), "w_400,f_png")
		_, whitened := render(face["id"].(string), "w_400,e_whiten:60,f_png")
		require.NotEqual(t, plain, whitened)
		_, plainNo := render(noFace["id"].(string), "w_300,f_png")
		resp, whitenedNo := render(noFace["id"].(string), "w_300,e_whiten,e_redeye,f_png")
		require.Equal(t, "0", resp.Header.Get("X-Easel-Faces"))
		require.Equal(t, plainNo, whitenedNo, "no face: the image is returned unchanged")
	})
}

// TestHostileInputsThroughAnalysis runs every accepted hostile file through
// the analysis: each task ends, and the server stays up.
func TestHostileInputsThroughAnalysis(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(testimages.Dir(t), "hostile")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	s := startServer(t)
	var tasks []string
	for _, e := range entries {
		status, up := s.upload(t, filepath.Join(dir, e.Name()))
		if status == http.StatusCreated {
			tasks = append(tasks, up["analysis_task_id"].(string))
		}
	}
	require.NotEmpty(t, tasks)
	for _, id := range tasks {
		task := s.waitTask(t, id, 60*time.Second)
		require.Contains(t, []any{"succeeded", "dead"}, task["state"])
		if task["state"] == "dead" {
			require.NotEqual(t, "internal", field(task, "error", "code"), "bad input fails cleanly: %v", task["error"])
		}
	}
	resp, _ := s.get(t, "/healthz")
	require.Equal(t, http.StatusOK, resp.StatusCode)
}
