package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/image/draw"

	"github.com/easelhq/easel/internal/testimages"
)

// smallPhotos writes n distinct small JPEGs (corpus photos re-encoded at
// 64 to 160 pixels wide, one pixel tinted per file) under dir, in two
// levels of folders, and returns their paths.
func smallPhotos(t *testing.T, dir string, n int) []string {
	t.Helper()
	var srcs []image.Image
	for _, name := range []string{"photos/mate_Wood.jpg", "photos/plasma_Grey_2560x1600.jpg", "photos/lomiri16_Dragonfly_by_Bolly.jpg"} {
		f, err := os.Open(testimages.Path(t, name))
		require.NoError(t, err)
		img, _, err := image.Decode(f)
		f.Close()
		require.NoError(t, err)
		srcs = append(srcs, img)
	}
	var paths []string
	for i := range n {
		src := srcs[i%len(srcs)]
		w := 64 + (i%5)*24
		h := w * src.Bounds().Dy() / src.Bounds().Dx()
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
		dst.Set(0, 0, color.RGBA{uint8(i), uint8(i >> 8), 7, 255})
		sub := filepath.Join(dir, fmt.Sprintf("set%d", i%3), fmt.Sprintf("day%d", i%7))
		require.NoError(t, os.MkdirAll(sub, 0o755))
		p := filepath.Join(sub, fmt.Sprintf("photo-%03d.jpg", i))
		var buf bytes.Buffer
		require.NoError(t, jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 80}))
		require.NoError(t, os.WriteFile(p, buf.Bytes(), 0o644))
		paths = append(paths, p)
	}
	return paths
}

// runEasel runs the CLI with stdout to a pipe (not a terminal).
func runEasel(t *testing.T, s *server, env []string, args ...string) (string, string, error) {
	t.Helper()
	cmd := exec.Command(s.bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

func TestUploadCLIThreeHundredFiles(t *testing.T) {
	s := startServer(t)
	dir := t.TempDir()
	paths := smallPhotos(t, dir, 300)
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".DS_Store"), []byte("junk"), 0o644))

	out, errs, err := runEasel(t, s, []string{"EASEL_API_KEY=" + s.apiKey}, "upload", "--server", s.base,
		"--parallel", "8", "--resume-dir", t.TempDir(), dir)
	require.NoError(t, err, "stdout:\n%s\nstderr:\n%s", out, errs)
	require.NotContains(t, out, "\x1b[", "not a terminal: plain lines, no cursor movement")
	okLine := regexp.MustCompile(`(?m)^\[(\d+)/300\] ok   (\S+)  asset (\S+)  `)
	matches := okLine.FindAllStringSubmatch(out, -1)
	require.Len(t, matches, 300, out)
	uploaded := map[string]string{}
	for _, m := range matches {
		uploaded[m[2]] = m[3]
	}
	for _, p := range paths {
		require.Contains(t, uploaded, p)
	}
	require.Contains(t, out, "total: 300/300 files")
	require.Contains(t, out, "uploaded 300 files")
	require.Regexp(t, `(?m)^FILE\s+ASSET\s+TASK\s+BYTES\s+TIME`, out)

	// Every asset exists on the server.
	resp, body := s.get(t, "/v1/assets?limit=1000", "Authorization", "Bearer "+s.apiKey)
	require.Equal(t, 200, resp.StatusCode, string(body))
	var list struct {
		Items []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal(body, &list))
	onServer := map[string]string{}
	for _, a := range list.Items {
		onServer[a.ID] = a.Name
	}
	require.Len(t, onServer, 300)
	for p, id := range uploaded {
		require.Equal(t, filepath.Base(p), onServer[id], p)
	}

	// assets ls pages through all of them (--server/--key from the environment).
	env := []string{"EASEL_URL=" + s.base, "EASEL_API_KEY=" + s.apiKey}
	out, errs, err = runEasel(t, s, env, "assets", "ls")
	require.NoError(t, err, errs)
	require.Len(t, strings.Split(strings.TrimSpace(out), "\n"), 301, "a header and 300 rows")

	// An upload with operations, waited for; then tasks watch, batch, rm.
	out, errs, err = runEasel(t, s, env, "upload", "--ops", "w_48,f_webp", "--wait", "--resume-dir", t.TempDir(), paths[0])
	require.NoError(t, err, "%s\n%s", out, errs)
	m := regexp.MustCompile(`asset (\S+) .* task (\S+) succeeded`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	assetID, taskID := m[1], m[2]
	out, errs, err = runEasel(t, s, env, "tasks", "watch", taskID)
	require.NoError(t, err, errs)
	require.Contains(t, out, "succeeded")
	require.Contains(t, out, "output w_48,f_webp: webp 48x")

	jsonl := filepath.Join(dir, "tasks.jsonl")
	lines := fmt.Sprintf("# two renders\n{\"asset_id\":%q,\"ops\":[\"w_40\"]}\n\n{\"asset_id\":%q,\"ops\":[\"w_30\",\"w_20\"]}\n", assetID, uploaded[paths[1]])
	require.NoError(t, os.WriteFile(jsonl, []byte(lines), 0o644))
	out, errs, err = runEasel(t, s, env, "batch", "--size", "1", jsonl)
	require.NoError(t, err, errs)
	require.Regexp(t, `(?m)^batch \S+: 1 tasks \(`, out)
	require.Equal(t, 2, strings.Count(out, "batch "), out)
	require.Contains(t, out, "submitted 2 tasks")

	out, errs, err = runEasel(t, s, env, "assets", "rm", assetID)
	require.NoError(t, err, errs)
	resp, _ = s.get(t, "/v1/assets/"+assetID, "Authorization", "Bearer "+s.apiKey)
	require.Equal(t, 404, resp.StatusCode)

	// A failure exits non-zero, and the table says why.
	bad := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(bad, []byte("not a picture"), 0o644))
	out, errs, err = runEasel(t, s, env, "upload", "--resume-dir", t.TempDir(), bad, paths[2])
	require.Error(t, err)
	require.Contains(t, out, "unsupported_media")
	require.Contains(t, errs, "1 of 2 files failed")
}
