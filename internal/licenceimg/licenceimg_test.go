package licenceimg

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/math/fixed"

	"github.com/govchain/govchain/internal/domain"
)

// renderer loads the default CJK font; without one the test skips, unless
// GOVCHAIN_REQUIRE_FONTS=1 (CI), when it fails.
func renderer(t *testing.T) *Renderer {
	t.Helper()
	r, err := New("")
	if err != nil {
		if os.Getenv("GOVCHAIN_REQUIRE_FONTS") == "1" {
			t.Fatalf("GOVCHAIN_REQUIRE_FONTS=1 but: %v", err)
		}
		t.Skipf("no CJK font: %v", err)
	}
	return r
}

// zbarimg is the path of zbarimg (Debian zbar-tools); without it the test skips, unless
// GOVCHAIN_REQUIRE_ZBAR=1 (CI), when it fails.
func zbarimg(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("GOVCHAIN_REQUIRE_ZBAR") == "1" {
			t.Fatalf("GOVCHAIN_REQUIRE_ZBAR=1 but zbarimg is not on PATH (apt-get install zbar-tools)")
		}
		t.Skip("zbarimg not on PATH (apt-get install zbar-tools)")
	}
	return p
}

func sampleLicence(version int) domain.Licence {
	l := domain.Licence{
		LicenceNumber:        domain.LicenceNumber("91310115MA1K4XQ72B", version),
		USCC:                 "91310115MA1K4XQ72B",
		Name:                 "上海浦江数智科技有限公司",
		EntityType:           "有限责任公司（自然人投资或控股）",
		LegalRepresentative:  "王晓明",
		RegisteredCapitalFen: 100_000_000,
		Address:              "上海市浦东新区张江高科技园区碧波路690号3幢501室",
		BusinessScope: "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；软件开发；信息系统集成服务；" +
			"数据处理服务；人工智能应用软件开发。（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）",
		EstablishedOn:    "2024-01-15",
		IssuingAuthority: "上海市浦东新区市场监督管理局",
		IssuedAt:         "2025-03-01T17:30:00Z",
		Version:          version,
	}
	l.VerificationCode = domain.LicenceCode(l)
	return l
}

var longScope = strings.Repeat("一般项目：技术服务、技术开发、技术咨询；Software development, data processing and "+
	"information-system integration services (excluding licensed items)；Supercalifragilisticexpialidocious"+
	strings.Repeat("X", 120)+"；", 12)

func TestRender(t *testing.T) {
	r := renderer(t)
	zbar := zbarimg(t)
	four := 4
	withScope := func(l domain.Licence, s string) domain.Licence { l.BusinessScope = s; return l }
	withCapital := func(l domain.Licence, fen int64) domain.Licence { l.RegisteredCapitalFen = fen; return l }
	cases := []struct {
		name    string
		view    domain.LicenceView
		stamped bool
	}{
		{"active current", domain.LicenceView{Licence: sampleLicence(3), Status: domain.StatusActive, Current: true,
			QRPayload: domain.LicencePayload(sampleLicence(3))}, false},
		{"suspended", domain.LicenceView{Licence: sampleLicence(1), Status: domain.StatusSuspended, StatusReason: "未按规定报送年度报告",
			Current: true, QRPayload: domain.LicencePayload(sampleLicence(1))}, true},
		{"revoked and superseded", domain.LicenceView{Licence: sampleLicence(2), Status: domain.StatusRevoked, Current: false,
			SupersededBy: &four, QRPayload: domain.LicencePayload(sampleLicence(2))}, true},
		{"deregistered", domain.LicenceView{Licence: withCapital(sampleLicence(7), 123_456_789), Status: domain.StatusDeregistered,
			Current: true, QRPayload: domain.LicencePayload(sampleLicence(7))}, true},
		{"active superseded, long scope, long payload", domain.LicenceView{Licence: withScope(sampleLicence(12), longScope),
			Status: domain.StatusActive, Current: false, SupersededBy: &four,
			QRPayload: "https://verify.example.gov.cn/licence?p=" + domain.LicencePayload(sampleLicence(12))}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := r.Render(c.view)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			if got := img.Bounds().Size(); got != (image.Point{Width, Height}) {
				t.Fatalf("size %v, want %dx%d", got, Width, Height)
			}
			dark, red := 0, 0
			for y := 0; y < Height; y += 2 {
				for x := 0; x < Width; x += 2 {
					cr, cg, cb, _ := img.At(x, y).RGBA()
					cr, cg, cb = cr>>8, cg>>8, cb>>8
					if cr < 100 && cg < 100 && cb < 100 {
						dark++
					}
					if cr > 140 && cg < 80 && cb < 80 {
						red++
					}
				}
			}
			total := Width * Height / 4
			if dark < total/100 || red < total/100 {
				t.Fatalf("image looks blank: %d dark and %d red of %d sampled pixels", dark, red, total)
			}
			// The stamps only add red inside the fields area.
			fieldsRed := 0
			for y := 380; y < 900; y += 2 {
				for x := valueX; x < valueRight; x += 2 {
					cr, cg, cb, _ := img.At(x, y).RGBA()
					if cr>>8 > 150 && cg>>8 < 90 && cb>>8 < 90 {
						fieldsRed++
					}
				}
			}
			if stamped := fieldsRed > 500; stamped != c.stamped {
				t.Fatalf("stamped = %v (%d red pixels among the fields), want %v", stamped, fieldsRed, c.stamped)
			}
			file := filepath.Join(t.TempDir(), "licence.png")
			if err := os.WriteFile(file, b, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(zbar, "--raw", "-q", file).Output()
			if err != nil {
				t.Fatalf("zbarimg found no QR code: %v", err)
			}
			if got := strings.TrimSuffix(string(out), "\n"); got != c.view.QRPayload {
				t.Fatalf("QR code carries %q, want %q", got, c.view.QRPayload)
			}
		})
	}
}

func TestRenderNoPayload(t *testing.T) {
	r := renderer(t)
	if _, err := r.Render(domain.LicenceView{Licence: sampleLicence(1), Status: domain.StatusActive, Current: true}); err == nil {
		t.Fatal("rendered a licence without a QR payload")
	}
}

func TestNewRefuses(t *testing.T) {
	cases := []struct {
		name, path string
		want       []string
	}{
		{"missing file", "/nonexistent/fonts/nothing.ttc", []string{"/nonexistent/fonts/nothing.ttc", "not found", "fonts-wqy-microhei"}},
		{"not a font", "licenceimg_test.go", []string{"licenceimg_test.go", "not a usable", "fonts-wqy-microhei"}},
		{"no CJK glyphs", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", []string{"DejaVuSans.ttf", "营", "fonts-wqy-microhei"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.name == "no CJK glyphs" {
				if _, err := os.Stat(c.path); err != nil {
					t.Skipf("%s not installed (fonts-dejavu-core)", c.path)
				}
			}
			r, err := New(c.path)
			if err == nil {
				t.Fatalf("New(%q) accepted it (%s)", c.path, r.FontPath())
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	t.Run("search names every path", func(t *testing.T) {
		saved := DefaultFontPaths
		defer func() { DefaultFontPaths = saved }()
		DefaultFontPaths = []string{"/nonexistent/a.ttc", "/nonexistent/b.ttf"}
		_, err := New("")
		if err == nil {
			t.Fatal("New found a font in nonexistent paths")
		}
		for _, w := range []string{"/nonexistent/a.ttc", "/nonexistent/b.ttf", "fonts-wqy-microhei"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not mention %q", err, w)
			}
		}
	})
}

func TestFormatCapital(t *testing.T) {
	for _, c := range []struct {
		fen  int64
		want string
	}{
		{0, "人民币0.00元"},
		{1, "人民币0.01元"},
		{100, "人民币1.00元"},
		{123_456_789, "人民币1,234,567.89元"},
		{1_000_000, "人民币1万元"},
		{100_000_000, "人民币100万元"},
		{12_000_000_000, "人民币12,000万元"},
		{1_000_100, "人民币10,001.00元"},
		{99_999_999, "人民币999,999.99元"},
		{-150, "人民币-1.50元"},
	} {
		t.Run(c.want, func(t *testing.T) {
			if got := formatCapital(c.fen); got != c.want {
				t.Fatalf("formatCapital(%d) = %q, want %q", c.fen, got, c.want)
			}
		})
	}
}

func TestFormatDates(t *testing.T) {
	for _, c := range []struct{ name, got, want string }{
		{"established", formatDate("2024-01-15"), "2024年01月15日"},
		{"established, not a date", formatDate("sometime"), "sometime"},
		{"issued, same day in China", formatIssued("2025-03-01T01:00:00Z"), "2025年03月01日"},
		{"issued, next day in China", formatIssued("2025-03-01T17:30:00Z"), "2025年03月02日"},
		{"issued, with offset", formatIssued("2025-12-31T20:00:00-05:00"), "2026年01月01日"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Fatalf("got %q, want %q", c.got, c.want)
			}
		})
	}
}

func TestWrap(t *testing.T) {
	r := renderer(t)
	f, err := face(r.main, scopeSize)
	if err != nil {
		t.Fatal(err)
	}
	width := fixed.I(valueRight - valueX)
	for _, c := range []struct {
		name      string
		s         string
		maxLines  int
		truncated bool
	}{
		{"short CJK", "技术服务", 3, false},
		{"CJK across lines", strings.Repeat("技术服务、技术开发；", 8), 5, false},
		{"Latin words", strings.Repeat("software development and consulting ", 8), 5, false},
		{"one huge Latin word", strings.Repeat("W", 400), 20, false},
		{"long scope truncated", longScope, 6, true},
		{"explicit line breaks", "一般项目：技术服务\n许可项目：无", 3, false},
		{"empty", "", 2, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			lines := wrap(f, c.s, width, c.maxLines)
			if len(lines) == 0 || len(lines) > c.maxLines {
				t.Fatalf("%d lines, want 1..%d", len(lines), c.maxLines)
			}
			for i, ln := range lines {
				if w := font.MeasureString(f, ln); w > width {
					t.Errorf("line %d is %d px wide, box is %d: %q", i, w.Round(), width.Round(), ln)
				}
				if i > 0 && strings.ContainsAny(string([]rune(ln)[:1]), "，。、；：）") {
					t.Errorf("line %d starts with punctuation: %q", i, ln)
				}
			}
			last := lines[len(lines)-1]
			if got := strings.HasSuffix(last, "…"); got != c.truncated {
				t.Fatalf("truncated = %v, want %v (last line %q)", got, c.truncated, last)
			}
			if !c.truncated {
				// Nothing lost: the lines are the text with the spaces at the breaks removed.
				strip := func(s string) string { return strings.Join(strings.Fields(s), "") }
				if strip(strings.Join(lines, "")) != strip(c.s) {
					t.Fatalf("wrapping lost text:\n%q\n%q", strings.Join(lines, "|"), c.s)
				}
			}
		})
	}
}

// BenchmarkRender measures drawing one licence (go test -bench Render ./internal/licenceimg):
// the CPU a ?format=png request costs the gateway beyond the ledger query.
func BenchmarkRender(b *testing.B) {
	r, err := New("")
	if err != nil {
		b.Skipf("no CJK font: %v", err)
	}
	l := sampleLicence(2)
	v := domain.LicenceView{Licence: l, Status: domain.StatusActive, Current: true, QRPayload: domain.LicencePayload(l)}
	var size int
	for b.Loop() {
		png, err := r.Render(v)
		if err != nil {
			b.Fatal(err)
		}
		size = len(png)
	}
	b.ReportMetric(float64(size)/1024, "KiB/png")
}
