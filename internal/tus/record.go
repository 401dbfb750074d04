package tus

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/easelhq/easel"
)

// maxRecordBytes bounds a record read back from the store.
const maxRecordBytes = 1 << 20

// record is the state of one upload, stored as uploads/<id>/info.json.
// The sum of Parts is Offset; part i is under partKey(ID, i).
type record struct {
	ID        string            `json:"id"`
	Tenant    string            `json:"tenant"`
	Size      int64             `json:"size"`
	Offset    int64             `json:"offset"`
	Parts     []int64           `json:"parts"`
	Metadata  map[string]string `json:"metadata,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	ExpiresAt time.Time         `json:"expires_at"`
	// AssetID is set once the upload completed into an asset; its parts are
	// then gone.
	AssetID string `json:"asset_id,omitempty"`
}

const uploadsPrefix = "uploads/"

func uploadPrefix(id string) string { return uploadsPrefix + id + "/" }

func infoKey(id string) string { return uploadPrefix(id) + "info.json" }

func partKey(id string, n int) string { return fmt.Sprintf("%spart-%06d", uploadPrefix(id), n) }

func (s *dataStore) loadRecord(ctx context.Context, id string) (record, error) {
	var rec record
	if !easel.ValidID(id) {
		return rec, easel.Errorf(easel.CodeNotFound, "no such upload")
	}
	rc, err := s.blobs.Get(ctx, infoKey(id))
	if err != nil {
		if easel.IsNotFound(err) {
			return rec, easel.Errorf(easel.CodeNotFound, "no such upload")
		}
		return rec, fmt.Errorf("tus: reading upload %q: %w", id, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxRecordBytes))
	if err != nil {
		return rec, fmt.Errorf("tus: reading upload %q: %w", id, err)
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, fmt.Errorf("tus: decoding upload %q: %w", id, err)
	}
	return rec, nil
}

func (s *dataStore) saveRecord(ctx context.Context, rec record) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("tus: encoding upload %q: %w", rec.ID, err)
	}
	if err := s.blobs.Put(ctx, infoKey(rec.ID), bytes.NewReader(b)); err != nil {
		return fmt.Errorf("tus: saving upload %q: %w", rec.ID, err)
	}
	return nil
}

// deleteParts removes the part blobs of rec, and any part past them left by
// a PATCH that stored its part but not the record.
func (s *dataStore) deleteParts(ctx context.Context, id string) error {
	var keys []string
	err := s.blobs.List(ctx, uploadPrefix(id)+"part-", func(bi easel.BlobInfo) error {
		keys = append(keys, bi.Key)
		return nil
	})
	if err != nil {
		return fmt.Errorf("tus: listing parts of %q: %w", id, err)
	}
	for _, k := range keys {
		if err := s.blobs.Delete(ctx, k); err != nil {
			return fmt.Errorf("tus: deleting %q: %w", k, err)
		}
	}
	return nil
}

// deleteUpload removes every blob of the upload, the record last, so an
// interrupted deletion is finished by the next one.
func (s *dataStore) deleteUpload(ctx context.Context, id string) error {
	if err := s.deleteParts(ctx, id); err != nil {
		return err
	}
	if err := s.blobs.Delete(ctx, infoKey(id)); err != nil {
		return fmt.Errorf("tus: deleting upload %q: %w", id, err)
	}
	return nil
}
