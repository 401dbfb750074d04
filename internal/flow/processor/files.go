package processor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/easelhq/easel"
)

// exts are the file extensions written for MIME types.
var exts = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "image/gif": ".gif",
	"image/avif": ".avif", "image/jxl": ".jxl", "image/heic": ".heic", "image/tiff": ".tiff",
	"video/mp4": ".mp4", "video/quicktime": ".mov", "video/webm": ".webm", "video/x-matroska": ".mkv",
	"application/json": ".json", "text/plain": ".txt",
}

// ExtOf returns the file extension of a MIME type, ".bin" when unknown.
func ExtOf(mimeType string) string {
	if e, ok := exts[mimeType]; ok {
		return e
	}
	return ".bin"
}

// Sniff returns the MIME type of a file from its first bytes.
func Sniff(path string) (string, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	return SniffBytes(head[:n]), nil
}

// SniffBytes returns the MIME type of data from its first bytes.
func SniffBytes(head []byte) string {
	if len(head) >= 12 && string(head[4:8]) == "ftyp" {
		switch brand := string(head[8:12]); {
		case brand == "avif" || brand == "avis":
			return "image/avif"
		case brand == "heic" || brand == "heix" || brand == "mif1":
			return "image/heic"
		case brand == "qt  ":
			return "video/quicktime"
		default:
			return "video/mp4"
		}
	}
	if bytes.HasPrefix(head, []byte{0x1a, 0x45, 0xdf, 0xa3}) {
		if bytes.Contains(head, []byte("webm")) {
			return "video/webm"
		}
		return "video/x-matroska"
	}
	if bytes.HasPrefix(head, []byte{0xff, 0x0a}) || bytes.HasPrefix(head, []byte("\x00\x00\x00\x0cJXL \r\n\x87\n")) {
		return "image/jxl"
	}
	t, _, _ := mime.ParseMediaType(http.DetectContentType(head))
	if t == "text/plain" {
		trimmed := bytes.TrimSpace(head)
		if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
			return "application/json"
		}
	}
	return t
}

// collect moves the declared outputs from the run directory into dst.
// Each output name is written as <name>.<ext>; its type is sniffed and
// must match the declaration. Only regular files with one link count, so
// a command cannot make easel read a file it could not.
func collect(spec Spec, runDir, dst string) ([]Output, error) {
	entries, err := os.ReadDir(runDir)
	if err != nil {
		return nil, fmt.Errorf("processor: reading outputs: %w", err)
	}
	found := map[string]string{}
	for _, e := range entries {
		name := e.Name()
		base := strings.TrimSuffix(name, filepath.Ext(name))
		if _, declared := spec.Outputs[base]; !declared || filepath.Ext(name) == "" {
			continue
		}
		if prev, dup := found[base]; dup {
			return nil, easel.Errorf(easel.CodeInternal, "processor %s wrote output %s twice (%s and %s)", spec.Name, base, prev, name)
		}
		found[base] = name
	}
	var outs []Output
	for _, name := range sortedKeys(spec.Outputs) {
		file, ok := found[name]
		if !ok {
			return nil, easel.Errorf(easel.CodeInternal, "processor %s wrote no %s output (a file %s.<ext>)", spec.Name, name, name)
		}
		src := filepath.Join(runDir, file)
		st, err := os.Lstat(src)
		if err != nil {
			return nil, fmt.Errorf("processor: output %s: %w", name, err)
		}
		sys, _ := st.Sys().(*syscall.Stat_t)
		if !st.Mode().IsRegular() || sys != nil && sys.Nlink != 1 {
			return nil, easel.Errorf(easel.CodeInternal, "processor %s: output %s is not a regular file", spec.Name, file)
		}
		mt, err := Sniff(src)
		if err != nil {
			return nil, fmt.Errorf("processor: output %s: %w", name, err)
		}
		if mt == "application/json" && !validJSONFile(src) {
			mt = "text/plain"
		}
		if !MatchMIME(spec.Outputs[name], mt) {
			return nil, easel.Errorf(easel.CodeInternal, "processor %s: output %s is %s, declared %s", spec.Name, file, mt, spec.Outputs[name])
		}
		out := filepath.Join(dst, name+ExtOf(mt))
		if err := moveFile(src, out); err != nil {
			return nil, fmt.Errorf("processor: output %s: %w", name, err)
		}
		outs = append(outs, Output{Name: name, File: File{Path: out, MIME: mt}})
	}
	return outs, nil
}

func validJSONFile(path string) bool {
	data, err := readLimited(path, 16<<20)
	return err == nil && json.Valid(data)
}

// moveFile renames src to dst, copying across file systems.
func moveFile(src, dst string) error {
	if err := os.Rename(src, dst); err == nil {
		return nil
	}
	if err := copyFile(src, dst); err != nil {
		return err
	}
	return os.Remove(src)
}

// copyFile copies src to a new file dst (mode 0644), not following a
// symbolic link at src.
func copyFile(src, dst string) error {
	in, err := os.OpenFile(src, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
