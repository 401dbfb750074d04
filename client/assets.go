package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// GetAsset returns the asset (GET /v1/assets/{id}).
func (c *Client) GetAsset(ctx context.Context, id string) (Asset, error) {
	var a Asset
	_, err := c.doJSON(ctx, http.MethodGet, "/v1/assets/"+url.PathEscape(id), nil, &a)
	return a, err
}

// DeleteAsset deletes the asset and its variants (DELETE /v1/assets/{id}).
func (c *Client) DeleteAsset(ctx context.Context, id string) error {
	_, err := c.doJSON(ctx, http.MethodDelete, "/v1/assets/"+url.PathEscape(id), nil, nil)
	return err
}

// AssetPage is one page of the tenant's assets, newest first.
type AssetPage struct {
	Items []Asset `json:"items"`
	// NextCursor fetches the next page; "" on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// ListAssetsPage returns one page of up to limit (1..1000; 0: the server's
// default of 50) assets after cursor ("" for the first page), with
// GET /v1/assets?limit=&cursor=.
func (c *Client) ListAssetsPage(ctx context.Context, limit int, cursor string) (AssetPage, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	path := "/v1/assets"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var p AssetPage
	_, err := c.doJSON(ctx, http.MethodGet, path, nil, &p)
	return p, err
}

// ListAssets iterates over all the tenant's assets, newest first, fetching
// pages of pageSize as it goes. It stops at the first error, which it
// yields.
func (c *Client) ListAssets(ctx context.Context, pageSize int) iter.Seq2[Asset, error] {
	return func(yield func(Asset, error) bool) {
		cursor := ""
		for {
			p, err := c.ListAssetsPage(ctx, pageSize, cursor)
			if err != nil {
				yield(Asset{}, err)
				return
			}
			for _, a := range p.Items {
				if !yield(a, nil) {
					return
				}
			}
			if p.NextCursor == "" || len(p.Items) == 0 {
				return
			}
			cursor = p.NextCursor
		}
	}
}
