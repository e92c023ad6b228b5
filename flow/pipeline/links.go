package pipeline

import (
	"fmt"
	"net"

	"github.com/callscope/callscope/flow/device"
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
	p.linkMu.Unlock()
	return nil
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
