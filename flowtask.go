package easel

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// TaskFlow runs a flow (internal/flow) on the asset. Its Ops hold the
// flow's name and version, then the step parameters overridden, as JSON:
// see FlowTaskOps.
const TaskFlow = "flow"

// FlowCall is what a flow task runs: a flow by name and version, with
// parameters overridden per step id.
type FlowCall struct {
	Flow    string                    `json:"flow"`
	Version int                       `json:"version"`
	Params  map[string]map[string]any `json:"params,omitempty"`
}

// FlowTaskOps encodes c as a flow task's Ops: ["<name>@<version>", "<params JSON>"].
func FlowTaskOps(c FlowCall) ([]string, error) {
	params, err := json.Marshal(c.Params)
	if err != nil {
		return nil, fmt.Errorf("easel: encoding flow params: %w", err)
	}
	return []string{c.Flow + "@" + strconv.Itoa(c.Version), string(params)}, nil
}

// ParseFlowTaskOps decodes the Ops of a flow task.
func ParseFlowTaskOps(ops []string) (FlowCall, error) {
	if len(ops) != 2 {
		return FlowCall{}, Errorf(CodeInvalidArgument, "flow task: want 2 ops entries, got %d", len(ops))
	}
	name, v, ok := strings.Cut(ops[0], "@")
	version, err := strconv.Atoi(v)
	if !ok || err != nil || name == "" {
		return FlowCall{}, Errorf(CodeInvalidArgument, "flow task: bad flow %q", ops[0])
	}
	c := FlowCall{Flow: name, Version: version}
	if err := json.Unmarshal([]byte(ops[1]), &c.Params); err != nil {
		return FlowCall{}, Errorf(CodeInvalidArgument, "flow task: bad params: %v", err)
	}
	return c, nil
}
