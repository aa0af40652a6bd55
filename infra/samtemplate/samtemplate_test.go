package samtemplate

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

const sample = `
Parameters:
  Stage: { Type: String, Default: dev }
Globals:
  Function:
    Runtime: provided.al2023
    Environment:
      Variables:
        STAGE: !Ref Stage
        TABLE: !Ref Table
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{ AttributeName: PK, AttributeType: S }]
      KeySchema: [{ AttributeName: PK, KeyType: HASH }]
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          TABLE: override
          ARN: !GetAtt Table.Arn
          URL: !Sub "https://${Table}.example/${Stage}/${!Literal}"
          PAIR: !Sub ["${A}-${Stage}", { A: !Ref Table }]
      Events:
        B: { Type: HttpApi, Properties: { Method: get, Path: "/b/{id}" } }
        A: { Type: HttpApi, Properties: { Method: POST, Path: /a } }
        Tick: { Type: Schedule, Properties: { Schedule: rate(5 minutes), Input: '{"x":1}' } }
        Off: { Type: Schedule, Properties: { Schedule: rate(1 day), Enabled: false } }
`

func TestParseFunctions(t *testing.T) {
	tpl, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	fns, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	if len(fns) != 1 {
		t.Fatalf("got %d functions, want 1", len(fns))
	}
	fn := fns[0]
	if fn.Runtime != "provided.al2023" {
		t.Errorf("Runtime from Globals = %q", fn.Runtime)
	}
	wantRoutes := []Route{{"POST", "/a"}, {"GET", "/b/{id}"}}
	if d := cmp.Diff(wantRoutes, fn.Routes); d != "" {
		t.Errorf("routes (-want +got):\n%s", d)
	}
	wantSchedules := []ScheduleEvent{
		{Name: "Off", Expression: "rate(1 day)", Enabled: false},
		{Name: "Tick", Expression: "rate(5 minutes)", Input: `{"x":1}`, Enabled: true},
	}
	if d := cmp.Diff(wantSchedules, fn.Schedules); d != "" {
		t.Errorf("schedules (-want +got):\n%s", d)
	}

	r := Resolver{
		Refs:  map[string]string{"Stage": "local", "Table": "tbl"},
		Attrs: map[string]string{"Table.Arn": "arn:aws:dynamodb:eu-west-1:1:table/tbl"},
	}
	got := map[string]string{}
	for k, v := range fn.Environment {
		s, err := r.Resolve(v)
		if err != nil {
			t.Fatalf("resolve %s: %v", k, err)
		}
		got[k] = s
	}
	want := map[string]string{
		"STAGE": "local",
		"TABLE": "override",
		"ARN":   "arn:aws:dynamodb:eu-west-1:1:table/tbl",
		"URL":   "https://tbl.example/local/${Literal}",
		"PAIR":  "tbl-local",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("environment (-want +got):\n%s", d)
	}
}

func TestResolveErrors(t *testing.T) {
	r := Resolver{Refs: map[string]string{"Stage": "local"}}
	tests := map[string]any{
		"unknown ref":     map[string]any{"Ref": "Nope"},
		"unknown attr":    map[string]any{"Fn::GetAtt": []any{"Table", "Arn"}},
		"bad getatt":      map[string]any{"Fn::GetAtt": "Table"},
		"unknown in sub":  map[string]any{"Fn::Sub": "${Nope}-x"},
		"unsupported fn":  map[string]any{"Fn::ImportValue": "x"},
		"two keys":        map[string]any{"Ref": "Stage", "Fn::Sub": "x"},
		"list value":      []any{"a"},
		"bad sub shape":   map[string]any{"Fn::Sub": []any{"only"}},
		"bad sub var ref": map[string]any{"Fn::Sub": []any{"${A}", map[string]any{"A": map[string]any{"Ref": "Nope"}}}},
	}
	for name, v := range tests {
		t.Run(name, func(t *testing.T) {
			if got, err := r.Resolve(v); err == nil {
				t.Errorf("Resolve(%v) = %q, want an error", v, got)
			}
		})
	}
}

func TestParseRejectsBadGetAtt(t *testing.T) {
	if _, err := Parse([]byte("Resources:\n  X:\n    Type: T\n    Properties: { A: !GetAtt NoDot }\n")); err == nil {
		t.Fatal("want an error for !GetAtt without an attribute")
	}
}

func TestCreateTableInput(t *testing.T) {
	tpl, err := Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	in, err := tpl.CreateTableInput("Table", "t1")
	if err != nil {
		t.Fatal(err)
	}
	if *in.TableName != "t1" || len(in.KeySchema) != 1 || *in.KeySchema[0].AttributeName != "PK" || in.KeySchema[0].KeyType != "HASH" {
		t.Errorf("unexpected input %+v", in)
	}
	if _, err := tpl.CreateTableInput("Fn", "x"); err == nil {
		t.Error("want an error for a resource that is not a table")
	}
}
