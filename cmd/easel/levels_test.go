package main

import (
	"bytes"
	"image"
	_ "image/jpeg"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel/internal/testimages"
)

// waitLevels polls the asset until it lists its levels and returns them
// with the time they took from the upload's answer.
func (s *server) waitLevels(t *testing.T, id string, within time.Duration) ([]any, time.Duration) {
	t.Helper()
	start := time.Now()
	for {
		status, a := s.apiCall(t, "GET", "/v1/assets/"+id, nil)
		require.Equal(t, http.StatusOK, status, "%v", a)
		if levels, ok := a["levels"].([]any); ok && len(levels) > 0 {
			return levels, time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("asset %s lists no levels after %s: %v", id, within, a)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// levelBlobs lists the files of the asset's levels in the data dir's blob store.
func levelBlobs(t *testing.T, data, id string) []string {
	t.Helper()
	var found []string
	root := filepath.Join(data, "blobs")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.Contains(filepath.ToSlash(p), "/levels/"+id+"/") {
			found = append(found, p)
		}
		return nil
	})
	require.NoError(t, err)
	return found
}

// TestLevelsMadeUsedDeleted: an upload gets its pyramid from the worker;
// a small render then reads a level (X-Easel-Source) and is the right
// size; deleting the asset deletes the level blobs.
func TestLevelsMadeUsedDeleted(t *testing.T) {
	s := startServer(t, "EASEL_RENDER_STORE_VARIANTS=false")
	for _, tt := range []struct {
		name    string
		photo   string
		w, h    int // of the original
		largest int // the largest level the policy keeps within its byte budget
	}{
		{"4 MP", "photos/plasma_ColorfulCups_2560x1600.jpg", 2560, 1600, 1024},
		{"15 MP", "photos/lomiri16_seeding_by_Clements_Engelhardt.jpg", 5312, 2988, 2048},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, asset := s.upload(t, testimages.Path(t, tt.photo))
			require.Equal(t, http.StatusCreated, status, "%v", asset)
			id := asset["id"].(string)
			require.NotEmpty(t, asset["levels_task_id"])

			levels, took := s.waitLevels(t, id, 60*time.Second)
			t.Logf("%s (%dx%d): levels listed %s after the upload", tt.name, tt.w, tt.h, took.Round(time.Millisecond))
			task := s.waitTask(t, asset["levels_task_id"].(string), 10*time.Second)
			t.Logf("%s: levels task queue wait %v ms, process %v ms", tt.name, field(task, "timings", "queue_wait_ms"), field(task, "timings", "process_ms"))
			// transform.DefaultLevelPolicy keeps the levels within 35% of the
			// original's bytes, largest first; the 1024 level (what a 300 px
			// render reads) is always among them for these photos.
			require.NotEmpty(t, levels)
			first := levels[0].(map[string]any)
			require.EqualValues(t, tt.largest, first["side"])
			require.Equal(t, "jpeg", first["format"])
			require.Greater(t, first["bytes"].(float64), 0.0)
			require.EqualValues(t, tt.largest, max(first["width"].(float64), first["height"].(float64)))
			_, a := s.apiCall(t, "GET", "/v1/assets/"+id, nil)
			require.Greater(t, a["levels_bytes"].(float64), 0.0)
			require.LessOrEqual(t, a["levels_bytes"].(float64), 0.35*a["bytes"].(float64), "the pyramid's byte budget")
			require.Len(t, levelBlobs(t, s.data, id), len(levels))

			path := s.easel(t, "url", "sign", "--data", s.data, id, "w_300")
			resp, body := s.get(t, path)
			require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			require.Equal(t, "render", resp.Header.Get("X-Easel-Cache"))
			require.Equal(t, "level-640", resp.Header.Get("X-Easel-Source"), "300 px wide needs a level at least 600 px wide")
			cfg, format, err := image.DecodeConfig(bytes.NewReader(body))
			require.NoError(t, err)
			require.Equal(t, "jpeg", format)
			require.Equal(t, 300, cfg.Width)
			require.InDelta(t, float64(300*tt.h)/float64(tt.w), cfg.Height, 1)

			path = s.easel(t, "url", "sign", "--data", s.data, id, "-")
			resp, body = s.get(t, path)
			require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			require.Equal(t, "original", resp.Header.Get("X-Easel-Source"), "- is the original itself")

			status, _ = s.apiCall(t, "DELETE", "/v1/assets/"+id, nil)
			require.Equal(t, http.StatusNoContent, status)
			require.Empty(t, levelBlobs(t, s.data, id), "the levels go with the asset")
		})
	}
}

// TestLevelsOff: with render.levels empty no levels task is queued, the
// asset lists no levels, and renders read the original.
func TestLevelsOff(t *testing.T) {
	s := startServer(t, "EASEL_RENDER_LEVELS=")
	status, asset := s.upload(t, testimages.Path(t, "photos/mate_Wood.jpg"))
	require.Equal(t, http.StatusCreated, status, "%v", asset)
	id := asset["id"].(string)
	require.Nil(t, asset["levels_task_id"], "no levels task")
	// The analysis task runs on the same worker: once it is done, a levels
	// task queued with it would have had its turn too.
	task := s.waitTask(t, asset["analysis_task_id"].(string), 60*time.Second)
	require.Equal(t, "succeeded", task["state"])
	_, a := s.apiCall(t, "GET", "/v1/assets/"+id, nil)
	require.Nil(t, a["levels"])
	require.Empty(t, levelBlobs(t, s.data, id))

	path := s.easel(t, "url", "sign", "--data", s.data, id, "w_300")
	resp, body := s.get(t, path)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	require.Equal(t, "original", resp.Header.Get("X-Easel-Source"))
}
