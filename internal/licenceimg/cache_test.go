package licenceimg

import (
	"errors"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/govchain/govchain/internal/domain"
)

// countingDrawer "draws" a view as its verification code and standing, counting drawings.
type countingDrawer struct {
	n   atomic.Int64
	err error
}

func (d *countingDrawer) Render(v domain.LicenceView) ([]byte, error) {
	d.n.Add(1)
	if d.err != nil {
		return nil, d.err
	}
	return []byte(v.Licence.VerificationCode + "/" + v.Status), nil
}

func view(version int, status string) domain.LicenceView {
	l := sampleLicence(version)
	return domain.LicenceView{Licence: l, Status: status, Current: true, QRPayload: domain.LicencePayload(l)}
}

func TestCache(t *testing.T) {
	t.Run("the same view is drawn once", func(t *testing.T) {
		d := &countingDrawer{}
		c := NewCache(d, 4)
		for i := 0; i < 3; i++ {
			png, err := c.Render(view(1, domain.StatusActive))
			if err != nil || string(png) != sampleLicence(1).VerificationCode+"/ACTIVE" {
				t.Fatalf("render %d: %q %v", i, png, err)
			}
		}
		if d.n.Load() != 1 {
			t.Fatalf("drawn %d times", d.n.Load())
		}
	})
	t.Run("a change of standing or version is drawn anew", func(t *testing.T) {
		d := &countingDrawer{}
		c := NewCache(d, 4)
		for _, v := range []domain.LicenceView{view(1, domain.StatusActive), view(1, domain.StatusSuspended), view(2, domain.StatusActive)} {
			png, err := c.Render(v)
			if err != nil || string(png) != v.Licence.VerificationCode+"/"+v.Status {
				t.Fatalf("%q %v", png, err)
			}
		}
		superseded := view(1, domain.StatusActive)
		superseded.Current = false
		if _, err := c.Render(superseded); err != nil {
			t.Fatal(err)
		}
		if d.n.Load() != 4 {
			t.Fatalf("drawn %d times, want 4", d.n.Load())
		}
	})
	t.Run("at most max images, the least recently used forgotten", func(t *testing.T) {
		d := &countingDrawer{}
		c := NewCache(d, 2)
		for _, v := range []int{1, 2, 1, 3} { // 2 is the least recently used when 3 comes
			if _, err := c.Render(view(v, domain.StatusActive)); err != nil {
				t.Fatal(err)
			}
		}
		if c.Len() != 2 || d.n.Load() != 3 {
			t.Fatalf("len %d, drawn %d", c.Len(), d.n.Load())
		}
		_, _ = c.Render(view(1, domain.StatusActive))
		if d.n.Load() != 3 {
			t.Fatal("version 1 was forgotten, not 2")
		}
		_, _ = c.Render(view(2, domain.StatusActive))
		if d.n.Load() != 4 {
			t.Fatal("version 2 should have been forgotten")
		}
	})
	t.Run("failures are not kept", func(t *testing.T) {
		d := &countingDrawer{err: errors.New("no font")}
		c := NewCache(d, 2)
		for i := 0; i < 2; i++ {
			if _, err := c.Render(view(1, domain.StatusActive)); err == nil {
				t.Fatal("want the drawer's error")
			}
		}
		if c.Len() != 0 || d.n.Load() != 2 {
			t.Fatalf("len %d, drawn %d", c.Len(), d.n.Load())
		}
	})
	t.Run("concurrent renders are safe", func(t *testing.T) {
		d := &countingDrawer{}
		c := NewCache(d, 8)
		done := make(chan struct{})
		for g := 0; g < 8; g++ {
			go func(g int) {
				defer func() { done <- struct{}{} }()
				for i := 0; i < 50; i++ {
					if _, err := c.Render(view(1+(g+i)%10, strconv.Itoa(i%2))); err != nil {
						t.Error(err)
					}
				}
			}(g)
		}
		for g := 0; g < 8; g++ {
			<-done
		}
		if c.Len() > 8 {
			t.Fatalf("len %d > 8", c.Len())
		}
	})
}
