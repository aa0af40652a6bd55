package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/switchboard-hq/switchboard/shared/switchboard"
)

// gsi1Page reads one page of the GSI1 partition pk. The cursor must come
// from the same partition: a cursor of another listing, or another
// tenant's, is refused rather than used as a starting point.
func gsi1Page[T any](ctx context.Context, s *Store, pk string, newestFirst bool, p switchboard.PageRequest, what string) ([]T, string, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		ScanIndexForward:          aws.Bool(!newestFirst),
	}
	return queryPage[T](ctx, s, in, p, []string{"PK", "SK", "GSI1PK", "GSI1SK"}, func(c map[string]string) bool { return c["GSI1PK"] == pk }, what)
}

// queryPage runs one page of in, resuming after the cursor when valid
// accepts it.
func queryPage[T any](ctx context.Context, s *Store, in *dynamodb.QueryInput, p switchboard.PageRequest, attrs []string, valid func(map[string]string) bool, what string) ([]T, string, error) {
	limit, err := startPage(in, p, attrs, valid)
	if err != nil {
		return nil, "", err
	}
	in.Limit = aws.Int32(int32(limit))
	out, err := s.client.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("query %s: %w", what, err)
	}
	items := []T{}
	if err := attributevalue.UnmarshalListOfMaps(out.Items, &items); err != nil {
		return nil, "", fmt.Errorf("unmarshal %s: %w", what, err)
	}
	next, err := encodeCursor(out.LastEvaluatedKey)
	if err != nil {
		return nil, "", err
	}
	// A full page may be the last one; DynamoDB then returns a key that
	// leads to an empty page. Peeking would cost a read per page: an empty
	// last page is cheaper and clients handle it.
	return items, next, nil
}

// startPage checks p, resumes in after its cursor when valid accepts it,
// and returns the page size.
func startPage(in *dynamodb.QueryInput, p switchboard.PageRequest, attrs []string, valid func(map[string]string) bool) (int, error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	limit := p.Limit
	if limit == 0 {
		limit = switchboard.DefaultPageSize
	}
	if p.Cursor != "" {
		start, plain, err := decodeCursor(p.Cursor, attrs...)
		if err != nil {
			return 0, err
		}
		if !valid(plain) {
			return 0, switchboard.Errorf(switchboard.EInvalid, "cursor is not valid for this listing")
		}
		in.ExclusiveStartKey = start
	}
	return limit, nil
}

// pageReadBudget is how many items a filtered page reads at most in search
// of its matches: about 0.5 MB of call entries, a few tens of read units.
// A filter rarer than that within the budget answers a short (or empty)
// page with a cursor, and the client reads on; a page never costs more.
const pageReadBudget = 1000

// filledPage is queryPage for a query whose FilterExpression drops part of
// what it reads. DynamoDB's Limit counts items read, not items kept, so a
// single query answers short pages, empty ones for a rare filter. filledPage
// queries on until the page is full, the key range is read to its end, or
// it has read the store's budget (pageReadBudget). Each query asks for
// what is still missing, doubling while matches are scarce, so a filter
// that matches most of what it reads costs one query as before. The cursor
// is the key of the last item kept when the page is cut, else the point
// where reading stopped: no item is skipped or listed twice.
func filledPage[T any](ctx context.Context, s *Store, in *dynamodb.QueryInput, p switchboard.PageRequest, attrs []string, valid func(map[string]string) bool, what string) ([]T, string, error) {
	limit, err := startPage(in, p, attrs, valid)
	if err != nil {
		return nil, "", err
	}
	budget := s.readBudget
	if budget <= 0 {
		budget = pageReadBudget
	}
	var kept []map[string]types.AttributeValue
	var next map[string]types.AttributeValue
	for chunk, read := limit, 0; ; {
		in.Limit = aws.Int32(int32(max(1, min(chunk, budget-read))))
		out, err := s.client.Query(ctx, in)
		if err != nil {
			return nil, "", fmt.Errorf("query %s: %w", what, err)
		}
		// ScannedCount is what the query read; Limit bounds it, and a
		// 1 MB answer may stop it short.
		read += max(int(out.ScannedCount), len(out.Items), 1)
		next = out.LastEvaluatedKey
		if room := limit - len(kept); len(out.Items) >= room {
			kept = append(kept, out.Items[:room]...)
			if len(out.Items) > room || next != nil {
				if next, err = keyOf(kept[len(kept)-1], attrs); err != nil {
					return nil, "", err
				}
			}
			break
		}
		kept = append(kept, out.Items...)
		if next == nil || read >= budget {
			break
		}
		in.ExclusiveStartKey = next
		chunk = max(limit-len(kept), 2*chunk)
	}
	items := []T{}
	if err := attributevalue.UnmarshalListOfMaps(kept, &items); err != nil {
		return nil, "", fmt.Errorf("unmarshal %s: %w", what, err)
	}
	cursor, err := encodeCursor(next)
	if err != nil {
		return nil, "", err
	}
	return items, cursor, nil
}

// keyOf is item's key in the attributes of the index read, for a cursor
// that resumes right after it.
func keyOf(item map[string]types.AttributeValue, attrs []string) (map[string]types.AttributeValue, error) {
	k := make(map[string]types.AttributeValue, len(attrs))
	for _, a := range attrs {
		v, ok := item[a]
		if !ok {
			return nil, fmt.Errorf("item lacks key attribute %s", a)
		}
		k[a] = v
	}
	return k, nil
}
