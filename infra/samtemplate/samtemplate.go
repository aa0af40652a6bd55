// Package samtemplate reads Switchboard's template.yaml so that the local
// stack, the tests and the benchmarks take functions, routes, schedules,
// environment, the table and the buckets from the one definition that is
// deployed, never from a second copy.
package samtemplate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"gopkg.in/yaml.v3"
)

// Template is a parsed SAM template with CloudFormation short-form tags
// (!Ref, !Sub, !GetAtt…) expanded to their long forms.
type Template struct {
	Parameters map[string]Parameter `yaml:"Parameters"`
	Globals    struct {
		Function map[string]any `yaml:"Function"`
	} `yaml:"Globals"`
	Resources map[string]Resource `yaml:"Resources"`
}

// Parameter is a template parameter; only its default matters locally.
type Parameter struct {
	Type    string `yaml:"Type"`
	Default any    `yaml:"Default"`
}

// Resource is one entry of Resources.
type Resource struct {
	Type       string         `yaml:"Type"`
	Metadata   map[string]any `yaml:"Metadata"`
	Properties map[string]any `yaml:"Properties"`
}

// Route is an HttpApi event of a function.
type Route struct {
	Method string // upper case, or ANY
	Path   string // API Gateway syntax: /a/{b}/{c+}
}

// ScheduleEvent is a Schedule (EventBridge) event of a function.
type ScheduleEvent struct {
	Name       string // the event's key in Events
	Expression string // rate(...) or cron(...)
	Input      string // JSON payload to send instead of the scheduled event
	Enabled    bool
}

// Function is an AWS::Serverless::Function with Globals applied.
type Function struct {
	LogicalID     string
	CodeURI       string
	Runtime       string
	Handler       string
	Architectures []string
	BuildMethod   string
	TimeoutSec    int
	MemoryMB      int
	Environment   map[string]any // unresolved values, Globals then the function's own
	Routes        []Route
	Schedules     []ScheduleEvent
	Policies      []any
}

// Load reads and parses the template at path.
func Load(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	return Parse(b)
}

// FindRoot returns the nearest directory at or above dir holding
// template.yaml, so tests run from any package find the repository root.
func FindRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "template.yaml")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("template.yaml not found in any parent directory")
		}
		dir = parent
	}
}

// Parse parses template YAML.
func Parse(b []byte) (*Template, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	if err := expandTags(&root); err != nil {
		return nil, fmt.Errorf("parse template: %w", err)
	}
	var t Template
	if err := root.Decode(&t); err != nil {
		return nil, fmt.Errorf("decode template: %w", err)
	}
	return &t, nil
}

// expandTags rewrites CloudFormation short forms into the long forms the
// intrinsic-function resolver understands: `!Ref X` becomes {Ref: X},
// `!GetAtt A.B` becomes {Fn::GetAtt: [A, B]}, `!Sub s` becomes {Fn::Sub: s}.
func expandTags(n *yaml.Node) error {
	for _, c := range n.Content {
		if err := expandTags(c); err != nil {
			return err
		}
	}
	if !strings.HasPrefix(n.Tag, "!") || strings.HasPrefix(n.Tag, "!!") {
		return nil
	}
	name := strings.TrimPrefix(n.Tag, "!")
	key := "Fn::" + name
	if name == "Ref" || name == "Condition" {
		key = name
	}
	value := *n
	value.Tag = ""
	if name == "GetAtt" && n.Kind == yaml.ScalarNode {
		logical, attr, ok := strings.Cut(n.Value, ".")
		if !ok {
			return fmt.Errorf("line %d: !GetAtt %q needs Resource.Attribute", n.Line, n.Value)
		}
		value = yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{
			{Kind: yaml.ScalarNode, Value: logical}, {Kind: yaml.ScalarNode, Value: attr},
		}}
	}
	*n = yaml.Node{Kind: yaml.MappingNode, Line: n.Line, Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Value: key}, &value,
	}}
	return nil
}

// Functions returns every serverless function, sorted by logical ID.
func (t *Template) Functions() ([]Function, error) {
	var fns []Function
	for _, id := range t.LogicalIDs("AWS::Serverless::Function") {
		fn, err := t.function(id)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", id, err)
		}
		fns = append(fns, fn)
	}
	return fns, nil
}

// LogicalIDs returns the logical IDs of resources of type typ, sorted.
func (t *Template) LogicalIDs(typ string) []string {
	var ids []string
	for id, r := range t.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func (t *Template) function(id string) (Function, error) {
	props := map[string]any{}
	for k, v := range t.Globals.Function {
		props[k] = v
	}
	res := t.Resources[id]
	for k, v := range res.Properties {
		props[k] = v
	}
	fn := Function{LogicalID: id, Environment: map[string]any{}}
	fn.CodeURI, _ = props["CodeUri"].(string)
	fn.Runtime, _ = props["Runtime"].(string)
	fn.Handler, _ = props["Handler"].(string)
	fn.TimeoutSec, _ = props["Timeout"].(int)
	fn.MemoryMB, _ = props["MemorySize"].(int)
	fn.BuildMethod, _ = res.Metadata["BuildMethod"].(string)
	for _, a := range asSlice(props["Architectures"]) {
		s, _ := a.(string)
		fn.Architectures = append(fn.Architectures, s)
	}
	fn.Policies = asSlice(props["Policies"])
	// Environment variables merge key by key, as SAM merges Globals.
	for _, src := range []map[string]any{t.Globals.Function, res.Properties} {
		env, _ := src["Environment"].(map[string]any)
		vars, _ := env["Variables"].(map[string]any)
		for k, v := range vars {
			fn.Environment[k] = v
		}
	}
	evs, _ := res.Properties["Events"].(map[string]any)
	names := make([]string, 0, len(evs))
	for name := range evs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ev, _ := evs[name].(map[string]any)
		p, _ := ev["Properties"].(map[string]any)
		switch ev["Type"] {
		case "HttpApi":
			method, _ := p["Method"].(string)
			path, _ := p["Path"].(string)
			if method == "" || path == "" {
				return Function{}, fmt.Errorf("event %s: HttpApi needs Method and Path", name)
			}
			fn.Routes = append(fn.Routes, Route{Method: strings.ToUpper(method), Path: path})
		case "Schedule", "ScheduleV2":
			expr, _ := p["Schedule"].(string)
			if expr == "" {
				expr, _ = p["ScheduleExpression"].(string)
			}
			if expr == "" {
				return Function{}, fmt.Errorf("event %s: Schedule needs an expression", name)
			}
			input, _ := p["Input"].(string)
			enabled := true
			if e, ok := p["Enabled"].(bool); ok {
				enabled = e
			}
			if s, ok := p["State"].(string); ok {
				enabled = s == "ENABLED"
			}
			fn.Schedules = append(fn.Schedules, ScheduleEvent{Name: name, Expression: expr, Input: input, Enabled: enabled})
		default:
			return Function{}, fmt.Errorf("event %s: type %v is not supported by the local stack", name, ev["Type"])
		}
	}
	return fn, nil
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// CreateTableInput turns the AWS::DynamoDB::Table resource logicalID into the
// CreateTable call that makes the same table under name. Only the parts that
// shape data are carried: keys, attributes and global secondary indexes.
func (t *Template) CreateTableInput(logicalID, name string) (*dynamodb.CreateTableInput, error) {
	res, ok := t.Resources[logicalID]
	if !ok || res.Type != "AWS::DynamoDB::Table" {
		return nil, fmt.Errorf("no AWS::DynamoDB::Table %q in template", logicalID)
	}
	// The CloudFormation property names are the SDK's field names, so a JSON
	// round trip maps one onto the other without a hand-written copy.
	var shape struct {
		AttributeDefinitions   []types.AttributeDefinition
		KeySchema              []types.KeySchemaElement
		GlobalSecondaryIndexes []types.GlobalSecondaryIndex
	}
	b, err := json.Marshal(res.Properties)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", logicalID, err)
	}
	if err := json.Unmarshal(b, &shape); err != nil {
		return nil, fmt.Errorf("table %s: %w", logicalID, err)
	}
	if len(shape.KeySchema) == 0 {
		return nil, fmt.Errorf("table %s has no KeySchema", logicalID)
	}
	return &dynamodb.CreateTableInput{
		TableName:              aws.String(name),
		AttributeDefinitions:   shape.AttributeDefinitions,
		KeySchema:              shape.KeySchema,
		GlobalSecondaryIndexes: shape.GlobalSecondaryIndexes,
		BillingMode:            types.BillingModePayPerRequest,
	}, nil
}

// FolderName is the functions/ folder, events/ fixture and binary name of a
// function: ListAppsFunction → list-apps.
func FolderName(logicalID string) string {
	base := strings.TrimSuffix(logicalID, "Function")
	var b strings.Builder
	for i, r := range base {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
