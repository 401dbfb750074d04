package nats

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// Config configures a Queue.
type Config struct {
	// URL of an external NATS server; comma-separated URLs of a cluster are
	// allowed. Empty starts an embedded server.
	URL string
	// EmbeddedDir is the JetStream store directory of the embedded server
	// (required when URL is empty).
	EmbeddedDir string
	// EmbeddedPort is the client port of the embedded server on 127.0.0.1:
	// -1 (the default) listens on no port, 0 picks a free one.
	EmbeddedPort int
	// Prefix names the subjects (lower case as given) and the streams (upper
	// case) of the queue, so that several queues share one server.
	Prefix string
	// AckWait is how long a task delivery stays locked without an ack or a
	// heartbeat before it is redelivered.
	AckWait time.Duration
	// MaxDeliver is how many times a task message is delivered at most.
	MaxDeliver int
	// CallbackAckWait is AckWait for callback messages.
	CallbackAckWait time.Duration
	// CallbackMaxDeliver is MaxDeliver for callback messages.
	CallbackMaxDeliver int
	// DuplicateWindow is how long the streams remember message IDs to drop
	// duplicates.
	DuplicateWindow time.Duration
	// EventsMaxAge is how long events are kept on the events stream.
	EventsMaxAge time.Duration
	// Replicas is how many servers of a cluster keep each stream (1..5;
	// 3 on a three-node cluster).
	Replicas int
	// ConnectTimeout bounds Open.
	ConnectTimeout time.Duration
	// RequestTimeout bounds each call to the server (publish, ack, fetch
	// set-up, ping) that the caller's context does not bound sooner.
	RequestTimeout time.Duration
	// TracerProvider, when not nil, traces publishes and deliveries: a
	// publish carries its span's W3C trace context in the message headers,
	// and a delivery's handler runs under a span parented by it.
	TracerProvider trace.TracerProvider

	// Regions, when not empty, are the regions whose tasks ConsumeTasks
	// delivers: one durable consumer "workers-<region>" per region, filtered
	// on <prefix>.tasks.<region>.>. Empty (one region) keeps the single
	// unfiltered consumer "workers" that takes every region's tasks. All the
	// processes sharing a prefix must agree on which of the two it is.
	Regions []string
}

// NewDefaultConfig returns the defaults: an embedded server with no port
// (EmbeddedDir still to be set), prefix "easel", AckWait 30s, MaxDeliver 5,
// callbacks 30s and 10, a 2m duplicate window, events kept 24h, one
// replica, 5s timeouts.
func NewDefaultConfig() Config {
	return Config{
		EmbeddedPort:       -1,
		Prefix:             "easel",
		AckWait:            30 * time.Second,
		MaxDeliver:         5,
		CallbackAckWait:    30 * time.Second,
		CallbackMaxDeliver: 10,
		DuplicateWindow:    2 * time.Minute,
		EventsMaxAge:       24 * time.Hour,
		Replicas:           1,
		ConnectTimeout:     5 * time.Second,
		RequestTimeout:     5 * time.Second,
	}
}

var prefixPattern = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// Validate reports every invalid field.
func (c Config) Validate() error {
	var errs []error
	if c.URL == "" && c.EmbeddedDir == "" {
		errs = append(errs, errors.New("embedded_dir is required when url is empty"))
	}
	if c.EmbeddedPort < -1 || c.EmbeddedPort > 65535 {
		errs = append(errs, fmt.Errorf("embedded_port %d: want -1, 0 or a port", c.EmbeddedPort))
	}
	if !prefixPattern.MatchString(c.Prefix) {
		errs = append(errs, fmt.Errorf("prefix %q: want letters, digits, '_' or '-'", c.Prefix))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"ack_wait", c.AckWait}, {"callback_ack_wait", c.CallbackAckWait},
		{"duplicate_window", c.DuplicateWindow}, {"events_max_age", c.EventsMaxAge},
		{"connect_timeout", c.ConnectTimeout}, {"request_timeout", c.RequestTimeout},
	} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s %v: must be positive", d.name, d.v))
		}
	}
	if c.MaxDeliver < 1 {
		errs = append(errs, fmt.Errorf("max_deliver %d: must be at least 1", c.MaxDeliver))
	}
	if c.CallbackMaxDeliver < 1 {
		errs = append(errs, fmt.Errorf("callback_max_deliver %d: must be at least 1", c.CallbackMaxDeliver))
	}
	if c.Replicas < 1 || c.Replicas > 5 {
		errs = append(errs, fmt.Errorf("replicas %d: want 1..5", c.Replicas))
	}
	if c.URL == "" && c.Replicas != 1 {
		errs = append(errs, fmt.Errorf("replicas %d: the embedded server keeps 1", c.Replicas))
	}
	for _, r := range c.Regions {
		if !prefixPattern.MatchString(r) {
			errs = append(errs, fmt.Errorf("region %q: want letters, digits, '_' or '-'", r))
		}
	}
	if c.EventsMaxAge > 0 && c.DuplicateWindow > c.EventsMaxAge {
		errs = append(errs, errors.New("duplicate_window must not exceed events_max_age"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("nats queue config: %w", err)
	}
	return nil
}

// names are the subjects, streams and consumers of one prefix.
type names struct {
	prefix                                    string
	tasksStream, eventsStream, cbStream       string
	tasksSubjects, eventsSubjects, cbSubjects string
	requestsStream, requestsSubjects          string
}

const (
	tasksConsumer     = "workers"
	callbacksConsumer = "callbacks"
	requestsConsumer  = "requests"
)

func newNames(prefix string) names {
	up := strings.ToUpper(prefix)
	return names{
		prefix:         prefix,
		tasksStream:    up + "_TASKS",
		eventsStream:   up + "_EVENTS",
		cbStream:       up + "_CALLBACKS",
		tasksSubjects:  prefix + ".tasks.>",
		eventsSubjects: prefix + ".events.>",
		cbSubjects:     prefix + ".callbacks.>",
		// Requests any NATS client publishes: <prefix>.requests.<tenant>.
		requestsStream:   up + "_REQUESTS",
		requestsSubjects: prefix + ".requests.*",
	}
}

// regionConsumer names the task consumer of one region.
func regionConsumer(region string) string { return tasksConsumer + "-" + region }
