package video

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image/gif"
	"os"
)

// Animation is what the header of an animated image says.
type Animation struct {
	Width, Height int
	Frames        int
	Duration      float64 // seconds, from the frame delays
}

// ReadAnimation reads an animated WebP's or GIF's canvas size, frame count
// and duration. ffprobe 5.1 cannot read animated WebP, hence this.
func ReadAnimation(path string) (Animation, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Animation{}, err
	}
	if len(data) >= 6 && string(data[:3]) == "GIF" {
		g, err := gif.DecodeAll(bytes.NewReader(data))
		if err != nil {
			return Animation{}, fmt.Errorf("gif: %w", err)
		}
		a := Animation{Width: g.Config.Width, Height: g.Config.Height, Frames: len(g.Image)}
		for _, d := range g.Delay {
			a.Duration += float64(d) / 100
		}
		return a, nil
	}
	if len(data) < 30 || string(data[:4]) != "RIFF" || string(data[8:12]) != "WEBP" || string(data[12:16]) != "VP8X" {
		return Animation{}, errors.New("neither a GIF nor an extended WebP")
	}
	u24 := func(b []byte) int { return int(b[0]) | int(b[1])<<8 | int(b[2])<<16 }
	a := Animation{Width: u24(data[24:27]) + 1, Height: u24(data[27:30]) + 1}
	for pos := 12; pos+8 <= len(data); {
		kind, size := string(data[pos:pos+4]), int(binary.LittleEndian.Uint32(data[pos+4:pos+8]))
		body := pos + 8
		if kind == "ANMF" && body+16 <= len(data) {
			a.Frames++
			a.Duration += float64(u24(data[body+12:body+15])) / 1000
		}
		pos = body + size + size%2
	}
	if a.Frames == 0 {
		a.Frames = 1
	}
	return a, nil
}
