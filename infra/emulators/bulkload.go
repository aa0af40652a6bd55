package emulators

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// LoadItems writes the items put gives straight into the DynamoDB data of
// the emulators' DataDir while they are stopped (see bulkload.js): for
// benchmarks that need millions of items, which BatchWriteItem through
// dynalite loads at about a thousand a second. The table must exist, and
// the items must not carry secondary index keys.
func LoadItems(ctx context.Context, infraDir, dataDir, table string, items func(put func(map[string]types.AttributeValue) error) error) error {
	if err := EnsureNodeModules(ctx, infraDir, io.Discard); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "node", filepath.Join(infraDir, "emulators", "bulkload.js"), filepath.Join(dataDir, "dynamodb"), table)
	cmd.Dir = infraDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start bulk load: %w", err)
	}
	w := bufio.NewWriterSize(stdin, 1<<20)
	enc := json.NewEncoder(w)
	putErr := items(func(item map[string]types.AttributeValue) error {
		j, err := attributeJSON(&types.AttributeValueMemberM{Value: item})
		if err != nil {
			return err
		}
		return enc.Encode(j.(map[string]any)["M"])
	})
	if putErr == nil {
		putErr = w.Flush()
	}
	_ = stdin.Close() // ends the loader's input; its exit status says the rest
	waitErr := cmd.Wait()
	if putErr != nil {
		return fmt.Errorf("bulk load: %w (%s)", putErr, strings.TrimSpace(stderr.String()))
	}
	if waitErr != nil {
		return fmt.Errorf("bulk load: %w: %s", waitErr, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// attributeJSON is v in DynamoDB's JSON wire format.
func attributeJSON(v types.AttributeValue) (any, error) {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": v.Value}, nil
	case *types.AttributeValueMemberN:
		return map[string]any{"N": v.Value}, nil
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}, nil
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": v.Value}, nil
	case *types.AttributeValueMemberSS:
		return map[string]any{"SS": v.Value}, nil
	case *types.AttributeValueMemberL:
		out := make([]any, 0, len(v.Value))
		for _, e := range v.Value {
			j, err := attributeJSON(e)
			if err != nil {
				return nil, err
			}
			out = append(out, j)
		}
		return map[string]any{"L": out}, nil
	case *types.AttributeValueMemberM:
		out := make(map[string]any, len(v.Value))
		for k, e := range v.Value {
			j, err := attributeJSON(e)
			if err != nil {
				return nil, err
			}
			out[k] = j
		}
		return map[string]any{"M": out}, nil
	}
	return nil, fmt.Errorf("bulk load: attribute type %T is not supported", v)
}
