package config

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

var errEOF = io.EOF

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// EnvPrefix starts every environment variable easel reads.
const EnvPrefix = "EASEL_"

// EnvVars lists every environment variable with its YAML path, for docs and
// `easel config`.
func EnvVars() [][2]string {
	var out [][2]string
	walk(reflect.ValueOf(Default()), nil, func(path []string, _ reflect.Value) {
		out = append(out, [2]string{envName(path), strings.Join(path, ".")})
	})
	return out
}

func envName(path []string) string {
	return EnvPrefix + strings.ToUpper(strings.Join(path, "_"))
}

// walk calls fn for every leaf field of the struct v with its YAML path.
func walk(v reflect.Value, path []string, fn func([]string, reflect.Value)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		p := append(append([]string(nil), path...), tag)
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Duration(0)) {
			walk(fv, p, fn)
			continue
		}
		fn(p, fv)
	}
}

// applyEnv sets every field whose EASEL_ variable is present in environ.
// Lists take values separated by ","; maps "key=value" pairs separated by ";".
func applyEnv(c *Config, environ []string) error {
	env := make(map[string]string)
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, EnvPrefix) {
			env[k] = v
		}
	}
	known := make(map[string]bool)
	var firstErr error
	walk(reflect.ValueOf(c).Elem(), nil, func(path []string, fv reflect.Value) {
		name := envName(path)
		known[name] = true
		raw, ok := env[name]
		if !ok || firstErr != nil {
			return
		}
		if err := setValue(fv, raw); err != nil {
			firstErr = fmt.Errorf("config: %s=%q: %w", name, raw, err)
		}
	})
	if firstErr != nil {
		return firstErr
	}
	var unknown []string
	for k := range env {
		if !known[k] && !reservedEnv(k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("config: unknown environment variable %s", strings.Join(unknown, ", "))
	}
	return nil
}

func setValue(fv reflect.Value, raw string) error {
	switch {
	case fv.Type() == reflect.TypeOf(time.Duration(0)):
		d, err := time.ParseDuration(raw)
		if err != nil {
			return err
		}
		fv.SetInt(int64(d))
	case fv.Kind() == reflect.String:
		fv.SetString(raw)
	case fv.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return err
		}
		fv.SetBool(b)
	case fv.Kind() == reflect.Float64:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return err
		}
		fv.SetFloat(f)
	case fv.Kind() == reflect.Int || fv.Kind() == reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return err
		}
		fv.SetInt(n)
	case fv.Kind() == reflect.Slice:
		var parts []string
		for _, p := range strings.Split(raw, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		sl := reflect.MakeSlice(fv.Type(), len(parts), len(parts))
		for i, p := range parts {
			if err := setValue(sl.Index(i), p); err != nil {
				return err
			}
		}
		fv.Set(sl)
	case fv.Kind() == reflect.Map:
		m := reflect.MakeMap(fv.Type())
		for _, pair := range strings.Split(raw, ";") {
			if strings.TrimSpace(pair) == "" {
				continue
			}
			k, v, ok := strings.Cut(pair, "=")
			if !ok {
				return fmt.Errorf("want key=value pairs separated by ';'")
			}
			ev := reflect.New(fv.Type().Elem()).Elem()
			if err := setValue(ev, strings.TrimSpace(v)); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(strings.TrimSpace(k)), ev)
		}
		fv.Set(m)
	default:
		return fmt.Errorf("unsupported setting type %s", fv.Type())
	}
	return nil
}

// reservedEnv tells the EASEL_ variables that are not settings of the server
// and so are never "unknown": the config file's path, the client commands'
// server and key (easel upload …), and EASEL_TEST_*, which only tests read.
func reservedEnv(name string) bool {
	switch name {
	case "EASEL_CONFIG", "EASEL_URL", "EASEL_API_KEY":
		return true
	}
	return strings.HasPrefix(name, EnvPrefix+"TEST_")
}
