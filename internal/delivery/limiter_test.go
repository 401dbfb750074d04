package delivery

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/easelhq/easel"
)

func TestLimiter(t *testing.T) {
	t.Parallel()
	l := NewLimiter(1, 1)
	ctx := context.Background()

	release, err := l.Acquire(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, l.InFlight())

	waited := make(chan error, 1)
	go func() {
		r, err := l.Acquire(ctx)
		if err == nil {
			r()
		}
		waited <- err
	}()
	require.Eventually(t, func() bool { return l.Waiting() == 1 }, time.Second, time.Millisecond)

	_, err = l.Acquire(ctx)
	require.Equal(t, easel.CodeOverloaded, easel.ErrorCode(err), "the queue is full")

	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	l2 := NewLimiter(1, 5)
	r2, _ := l2.Acquire(ctx)
	_, err = l2.Acquire(short)
	require.Equal(t, easel.CodeDeadlineExceeded, easel.ErrorCode(err))
	r2()

	release()
	require.NoError(t, <-waited, "the waiter gets the slot")
	require.Equal(t, 0, l.InFlight())
	require.Equal(t, 0, l.Waiting())
}

func TestLRU(t *testing.T) {
	t.Parallel()
	c := newLRU(100, func(b []byte) int64 { return int64(len(b)) })
	c.add("a", make([]byte, 40)) // 41 with the key
	c.add("b", make([]byte, 40))
	_, ok := c.get("a") // a is now the most recent
	require.True(t, ok)
	c.add("c", make([]byte, 40)) // evicts b
	_, ok = c.get("b")
	require.False(t, ok, "least recently used goes first")
	_, ok = c.get("a")
	require.True(t, ok)
	n, bytes := c.size()
	require.Equal(t, 2, n)
	require.LessOrEqual(t, bytes, int64(100))

	c.add("huge", make([]byte, 200))
	_, ok = c.get("huge")
	require.False(t, ok, "an item larger than the cache is not kept")

	c.add("x/1", []byte("1"))
	c.add("x/2", []byte("2"))
	c.removePrefix("x/")
	_, ok = c.get("x/1")
	require.False(t, ok)
	_, ok = c.get("a")
	require.True(t, ok, "other keys stay")

	zero := newLRU(0, func(b []byte) int64 { return int64(len(b)) })
	zero.add("a", []byte("x"))
	_, ok = zero.get("a")
	require.False(t, ok, "a zero-byte cache keeps nothing")
}

func TestSniffFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		b    string
		want string
	}{
		{"jpeg", "\xff\xd8\xff\xe0", "jpeg"},
		{"png", "\x89PNG\r\n\x1a\nxxxx", "png"},
		{"gif", "GIF89a....", "gif"},
		{"webp", "RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"},
		{"avif", "\x00\x00\x00\x1cftypavif", "avif"},
		{"jxl codestream", "\xff\x0a", "jxl"},
		{"jxl container", "\x00\x00\x00\x0cJXL \r\n\x87\n", "jxl"},
		{"unknown", "hello", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, string(sniffFormat([]byte(tt.b))))
		})
	}
}
