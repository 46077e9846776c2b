package licenceimg

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"
)

// chinaTime is China Standard Time (UTC+8, no daylight saving), fixed so that rendering
// does not depend on the machine's time zone database.
var chinaTime = time.FixedZone("CST", 8*60*60)

// formatCapital prints registered capital given in fen (1 yuan = 100 fen): a positive whole
// number of 万元 (10,000 yuan) as "人民币100万元", anything else as yuan with two decimals,
// both with thousands separators ("人民币1,234,567.89元", "人民币12,000万元").
func formatCapital(fen int64) string {
	sign := ""
	u := uint64(fen)
	if fen < 0 {
		sign, u = "-", uint64(-(fen+1))+1 // no overflow at math.MinInt64
	}
	if u > 0 && u%1_000_000 == 0 {
		return "人民币" + sign + thousands(u/1_000_000) + "万元"
	}
	return "人民币" + sign + thousands(u/100) + "." + twoDigits(u%100) + "元"
}

func thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func twoDigits(n uint64) string {
	if n < 10 {
		return "0" + strconv.FormatUint(n, 10)
	}
	return strconv.FormatUint(n, 10)
}

// formatDate prints a YYYY-MM-DD date as 2024年01月15日 (anything else as it is).
func formatDate(s string) string {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return s
	}
	return t.Format("2006年01月02日")
}

// formatIssued prints an RFC 3339 instant as its date in China Standard Time (anything else
// as it is).
func formatIssued(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.In(chinaTime).Format("2006年01月02日")
}

// isCJK reports whether a line may break before or after r: Han, kana, hangul and the
// full-width forms and punctuation that go with them.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
		unicode.Is(unicode.Hangul, r) ||
		(r >= 0x3000 && r <= 0x303F) || // CJK symbols and punctuation
		(r >= 0xFF00 && r <= 0xFFEF) // half- and full-width forms
}

// noLineStart are characters a line must not begin with (行首禁则): they stay with the
// character before them.
const noLineStart = "，。、；：？！）》」』】〕〉”’…,.;:?!)]}%"

// tokens splits s into units a line may break between: every CJK rune on its own, runs of
// other non-space runes (Latin words, numbers) whole, spaces on their own. A character that
// must not start a line is glued to the token before it.
func tokens(s string) []string {
	var out []string
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			out = append(out, word.String())
			word.Reset()
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			flush()
			out = append(out, " ")
		case strings.ContainsRune(noLineStart, r):
			if word.Len() > 0 {
				word.WriteRune(r)
			} else if len(out) > 0 && out[len(out)-1] != " " {
				out[len(out)-1] += string(r)
			} else {
				out = append(out, string(r))
			}
		case isCJK(r):
			flush()
			out = append(out, string(r))
		default:
			word.WriteRune(r)
		}
	}
	flush()
	return out
}

// wrap breaks s into at most maxLines lines no wider than width drawn with f: between CJK
// runes, at spaces, and inside a Latin word only when the word alone is too wide. Text that
// does not fit is cut and the last line ends with "…". Line breaks in s are kept.
func wrap(f font.Face, s string, width fixed.Int26_6, maxLines int) []string {
	if maxLines < 1 {
		return nil
	}
	var lines []string
	truncated := false
	for _, para := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		pl := wrapPara(f, para, width)
		if len(lines)+len(pl) > maxLines {
			lines = append(lines, pl[:maxLines-len(lines)]...)
			truncated = true
			break
		}
		lines = append(lines, pl...)
	}
	if truncated {
		lines[len(lines)-1] = ellipsize(f, lines[len(lines)-1], width)
	}
	return lines
}

// wrapPara wraps one paragraph (no line breaks) without a line limit.
func wrapPara(f font.Face, s string, width fixed.Int26_6) []string {
	var lines []string
	var cur string
	push := func() {
		lines = append(lines, strings.TrimRight(cur, " "))
		cur = ""
	}
	for _, tok := range tokens(s) {
		if tok == " " && cur == "" {
			continue // no leading space on a wrapped line
		}
		if font.MeasureString(f, cur+tok) <= width {
			cur += tok
			continue
		}
		if cur != "" {
			push()
			if tok == " " {
				continue
			}
		}
		if font.MeasureString(f, tok) <= width {
			cur = tok
			continue
		}
		// A word wider than the line: break it between runes.
		for _, r := range tok {
			if cur != "" && font.MeasureString(f, cur+string(r)) > width {
				push()
			}
			cur += string(r)
		}
	}
	if cur != "" || len(lines) == 0 {
		push()
	}
	return lines
}

// ellipsize ends line with "…", dropping runes from its end until it fits width.
func ellipsize(f font.Face, line string, width fixed.Int26_6) string {
	rs := []rune(strings.TrimRight(line, " "))
	for len(rs) > 0 && font.MeasureString(f, string(rs)+"…") > width {
		rs = rs[:len(rs)-1]
	}
	return strings.TrimRight(string(rs), " ") + "…"
}
