package pipeline

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/callscope/callscope/flow/device"
	"github.com/callscope/callscope/transport/apnsmock"
	"github.com/callscope/callscope/transport/devicelink"
)

// ConnectDevices brings offline devices online: each links to APNs, which
// sends what it stored over the new link.
func (p *Pipeline) ConnectDevices() error {
	p.linkMu.Lock()
	linked := len(p.links) > 0
	p.linkMu.Unlock()
	if !p.cfg.APNs.Offline || linked {
		return nil
	}
	for _, d := range p.callees {
		if err := p.link(d); err != nil {
			return err
		}
	}
	return nil
}

// link opens a device's persistent TLS connection to the mock. A device of
// the production environment, or whose token belongs to the other
// environment (APNsFaults.UnknownToken), links to that APNs, which this run
// does not simulate: it stays unlinked here, as APNs would not know it.
func (p *Pipeline) link(d *device.Callee) error {
	if d.Profile.Environment == "production" || p.cfg.APNs.UnknownToken {
		return nil
	}
	c, err := devicelink.Dial(p.ctx, devicelink.ClientConfig{Addr: p.mock.DeviceLinkAddr().String(),
		RootCAs: p.mock.RootCAs(), Token: d.Token, Topics: []string{p.cfg.BundleID}, Environment: "sandbox",
		Device: d.Profile.Name, Receiver: d})
	if err != nil {
		return fmt.Errorf("%s: linking to APNs: %w", d.Profile.Name, err)
	}
	p.linkMu.Lock()
	p.links = append(p.links, c)
	if p.byTok == nil {
		p.byTok = map[string]*devicelink.Client{}
	}
	p.byTok[d.Token] = c
	p.linkMu.Unlock()
	return nil
}

// cutLinks does what power policy does to an idle iPhone's connection to
// APNs (profile apns_link_cut, F-32): each such device, linked, has its TLS
// connection closed, and stays away. It returns once the mock has seen each
// link drop, so that APNs stores the call's push for the device.
func (p *Pipeline) cutLinks() error {
	for _, d := range p.callees {
		if !d.Profile.APNsLinkCut {
			continue
		}
		p.linkMu.Lock()
		c := p.byTok[d.Token]
		down := make(chan struct{})
		if c != nil {
			if p.cutting == nil {
				p.cutting = map[string]chan struct{}{}
			}
			p.cutting[d.Token] = down
		}
		p.linkMu.Unlock()
		if c == nil {
			continue // never linked (another environment): nothing to cut
		}
		_ = c.Close() // no TLS close_notify: the connection just ends, as a cut one does
		t := time.NewTimer(10 * time.Second)
		select {
		case <-down:
			t.Stop()
		case <-t.C:
			return fmt.Errorf("%s: the mock did not see its cut link to APNs drop within 10s", d.Profile.Name)
		case <-p.ctx.Done():
			t.Stop()
			return p.ctx.Err()
		}
	}
	return nil
}

// onLink hears the mock's device links go up and down: a cut link's drop
// ends cutLinks's wait.
func (p *Pipeline) onLink(st apnsmock.LinkState) {
	if st.Up || st.Refused {
		return
	}
	p.linkMu.Lock()
	if ch, ok := p.cutting[st.Token]; ok {
		close(ch)
		delete(p.cutting, st.Token)
	}
	p.linkMu.Unlock()
}

// cutDevices names the devices whose link to APNs power policy cut
// (apns_link_cut), or "".
func (p *Pipeline) cutDevices() string {
	var names []string
	for _, d := range p.callees {
		if d.Profile.APNsLinkCut {
			names = append(names, d.Profile.Name)
		}
	}
	return strings.Join(names, ", ")
}

// DeviceLinks are the two ends of each device's TLS link to the mock: the
// mock's listener, and each linked device's local address.
func (p *Pipeline) DeviceLinks() (mock net.Addr, devices []net.Addr) {
	p.linkMu.Lock()
	defer p.linkMu.Unlock()
	for _, c := range p.links {
		if a := c.LocalAddr(); a != nil {
			devices = append(devices, a)
		}
	}
	return p.mock.DeviceLinkAddr(), devices
}
