package export

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
)

// cell returns the value of the dotted column col in row r; nil when absent or under a
// null object.
func cell(r *object, col string) any {
	var v any = r
	for _, seg := range strings.Split(col, ".") {
		o, ok := v.(*object)
		if !ok {
			return nil
		}
		v = o.vals[seg]
	}
	if _, ok := v.(*object); ok {
		return nil
	}
	return v
}

// SpreadsheetText is the pattern (matched without regard to case) of text that spreadsheets
// read as a value rather than as text: digits with date, time or number separators, a sign,
// an exponent or a percent sign; an accounting negative (123); a date in Chinese (2021年11月,
// 11月5日) or with an English month name (Nov-21, 5-Nov); TRUE or FALSE. The playground's
// chart download (playground/assets/chart.js) keeps the same text as text with the same
// pattern.
const SpreadsheetText = `^(?:[+-]?[0-9][0-9 .,:/-]*(?:e[+-]?[0-9]+)? ?%?` +
	`|\([0-9][0-9.,]*\)` +
	`|[0-9]{1,4}年(?:[0-9]{1,2}月(?:[0-9]{1,2}日)?)?|[0-9]{1,2}月(?:[0-9]{1,2}日)?` +
	`|[0-9]{1,2}[ /-](?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*(?:[ /-][0-9]{1,4})?` +
	`|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[ /-][0-9]{1,4}` +
	`|true|false)$`

var reinterpreted = regexp.MustCompile("(?i)" + SpreadsheetText)

// csvText renders a cell for CSV: null is empty, numbers and booleans as JSON writes them,
// lists as JSON text. A string that a spreadsheet would run as a formula (=, +, -, @, tab,
// carriage return first) gets a leading apostrophe. For spreadsheets, text that a
// spreadsheet would read as something else (a date, a number, a percentage or a boolean:
// 2021-11, 2024-05-01, 042513, an 18-digit identity number, 1E5, -3, 12%, 2021年11月, TRUE) is
// written as ="…", which shows it unchanged as text; it holds digits, signs, separators and
// those words only, so the formula cannot do anything else.
func csvText(v any, spreadsheet bool) (string, error) {
	switch t := v.(type) {
	case nil:
		return "", nil
	case string:
		if spreadsheet && reinterpreted.MatchString(t) {
			return `="` + t + `"`, nil
		}
		if t != "" && strings.ContainsRune("=+-@\t\r", rune(t[0])) {
			return "'" + t, nil
		}
		return t, nil
	case json.Number:
		return t.String(), nil
	case bool:
		if t {
			return "true", nil
		}
		return "false", nil
	default:
		var buf bytes.Buffer
		if err := encodeOrdered(&buf, t); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
}
