package apnsmock

import (
	"crypto/ecdsa"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sideshow/apns2"

	"github.com/callscope/callscope/transport/apns"
)

const otherTopic = "org.example.other"

// keyRing is a team's keys of every kind Apple issues, relative to the mock's
// environment: team keys valid in both environments (legacy), team keys of
// this and of the other environment, topic-specific keys (two related, one
// unrelated, one for another app, one of the other environment), and a key of
// another team.
type keyRing struct {
	priv map[string]*ecdsa.PrivateKey
	team map[string]string
}

func otherEnv(env string) string {
	if env == "production" {
		return "sandbox"
	}
	return "production"
}

func newKeyRing(t testing.TB, env string) (*keyRing, []ProviderKey) {
	t.Helper()
	specs := []ProviderKey{
		{KeyID: "TEAMBOTH01"}, {KeyID: "TEAMBOTH02"},
		{KeyID: "TEAMHERE01", Environment: env}, {KeyID: "TEAMTHERE1", Environment: otherEnv(env)},
		{KeyID: "TOPICA0001", Topics: []string{testTopic}, Related: "TOPICB0001"},
		{KeyID: "TOPICB0001", Topics: []string{testTopic}},
		{KeyID: "TOPICC0001", Topics: []string{testTopic}, Environment: env},
		{KeyID: "TOPICOTHER", Topics: []string{otherTopic}},
		{KeyID: "TOPICTHERE", Topics: []string{testTopic}, Environment: otherEnv(env)},
		{KeyID: "OTHERTEAM1", TeamID: "TEAM000002"},
	}
	r := &keyRing{priv: map[string]*ecdsa.PrivateKey{}, team: map[string]string{}}
	for i := range specs {
		k, err := apns.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		if specs[i].TeamID == "" {
			specs[i].TeamID = testTeam
		}
		specs[i].Public = &k.PublicKey
		r.priv[specs[i].KeyID], r.team[specs[i].KeyID] = k, specs[i].TeamID
	}
	return r, specs
}

func (r *keyRing) token(t testing.TB, kid string, iat time.Time) *apns2Token {
	return bearer(t, r.priv[kid], kid, r.team[kid], iat)
}

// TestKeyRules walks Apple's rules for keys on one connection, in both
// environments: a key's environment, the connection pinned to its first key
// (team or topic-specific), a token update from another key within 20
// minutes, and a topic-specific key's topics. The second push goes on the
// same connection, then on a fresh one (where only the key's own limits hold).
func TestKeyRules(t *testing.T) {
	type push struct {
		kid   string
		topic string // "" = testTopic
	}
	tests := []struct {
		name      string
		first     push
		wantFirst string // reason of the first push ("" = 200)
		advance   time.Duration
		second    push
		want      string // reason of the second push on the same connection
		wantFresh string // on a fresh connection
	}{
		// A team key valid in both environments, as legacy keys are.
		{name: "team key: same token again", first: push{kid: "TEAMBOTH01"}, second: push{kid: "TEAMBOTH01"}},
		{name: "team key: another team key within 20 min is a token update", first: push{kid: "TEAMBOTH01"},
			advance: time.Minute, second: push{kid: "TEAMBOTH02"}, want: "TooManyProviderTokenUpdates"},
		{name: "team key: another team key after 20 min", first: push{kid: "TEAMBOTH01"},
			advance: 21 * time.Minute, second: push{kid: "TEAMBOTH02"}},
		{name: "team key: this environment's team key within 20 min", first: push{kid: "TEAMBOTH01"},
			advance: 19 * time.Minute, second: push{kid: "TEAMHERE01"}, want: "TooManyProviderTokenUpdates"},
		{name: "team key: this environment's team key after 20 min", first: push{kid: "TEAMBOTH01"},
			advance: 20 * time.Minute, second: push{kid: "TEAMHERE01"}},
		{name: "team key: the other environment's team key", first: push{kid: "TEAMBOTH01"},
			second: push{kid: "TEAMTHERE1"}, want: reasonBadEnvKeyID, wantFresh: reasonBadEnvKeyID},
		{name: "team key: a topic-specific key", first: push{kid: "TEAMBOTH01"},
			second: push{kid: "TOPICA0001"}, want: "UnrelatedKeyIdInToken"},
		{name: "environment team key: a topic-specific key", first: push{kid: "TEAMHERE01"},
			advance: time.Hour - time.Second, second: push{kid: "TOPICC0001"}, want: "UnrelatedKeyIdInToken"},
		{name: "team key: another team's key", first: push{kid: "TEAMBOTH01"},
			second: push{kid: "OTHERTEAM1"}, want: "InvalidProviderToken"},
		{name: "team key: any topic of the team", first: push{kid: "TEAMBOTH01"},
			second: push{kid: "TEAMBOTH01", topic: otherTopic}},
		// Topic-specific keys.
		{name: "topic key: its related key", first: push{kid: "TOPICA0001"}, second: push{kid: "TOPICB0001"}},
		{name: "topic key: related the other way round", first: push{kid: "TOPICB0001"}, second: push{kid: "TOPICA0001"}},
		{name: "topic key: an unrelated topic key", first: push{kid: "TOPICA0001"},
			second: push{kid: "TOPICC0001"}, want: "UnrelatedKeyIdInToken"},
		{name: "topic key: a team key", first: push{kid: "TOPICA0001"},
			second: push{kid: "TEAMBOTH01"}, want: "UnrelatedKeyIdInToken"},
		{name: "topic key: the other environment's topic key", first: push{kid: "TOPICA0001"},
			second: push{kid: "TOPICTHERE"}, want: reasonBadEnvKeyID, wantFresh: reasonBadEnvKeyID},
		{name: "topic key: a new token of its own within 20 min", first: push{kid: "TOPICA0001"},
			advance: time.Minute, second: push{kid: "TOPICA0001"}, want: "TooManyProviderTokenUpdates"},
		{name: "topic key: a topic not its own", first: push{kid: "TOPICA0001"},
			second: push{kid: "TOPICA0001", topic: otherTopic}, want: "TopicDisallowed", wantFresh: "TopicDisallowed"},
		{name: "topic key: first push to a topic not its own", first: push{kid: "TOPICOTHER"}, wantFirst: "TopicDisallowed",
			second: push{kid: "TOPICOTHER", topic: otherTopic}},
		// A key of the other environment is refused first, and pins nothing.
		{name: "the other environment's key first", first: push{kid: "TEAMTHERE1"}, wantFirst: reasonBadEnvKeyID,
			second: push{kid: "TOPICA0001"}},
	}
	for _, env := range []string{"sandbox", "production"} {
		for _, tc := range tests {
			t.Run(env+"/"+tc.name, func(t *testing.T) {
				var clock atomic.Int64
				clock.Store(time.Now().UnixNano())
				now := func() time.Time { return time.Unix(0, clock.Load()) }
				ring, keys := newKeyRing(t, env)
				f := newFixture(t, func(c *Config) {
					c.Now, c.Environment, c.Keys = now, env, keys
					c.Topics = append(c.Topics, otherTopic)
				})
				send := func(c *apns2.Client, p push, tok *apns2Token) string {
					t.Helper()
					c.Token = tok
					n := alertPush(testDevice)
					if p.topic != "" {
						n.Topic = p.topic
					}
					res, err := c.Push(n)
					if err != nil {
						t.Fatal(err)
					}
					if res.StatusCode != 200 {
						e := f.events.wait(t, "rejected", named(res.ApnsID, "rejected"))
						if e.Diagnosis == nil || e.Diagnosis.Apple != res.Reason {
							t.Errorf("rejected event %+v does not match the answer %s", e.Diagnosis, res.Reason)
						} else {
							checkHint(t, e.Diagnosis.Detail, e.Diagnosis.Hint, "")
						}
					}
					return res.Reason
				}
				first := ring.token(t, tc.first.kid, now())
				c := f.client(t)
				if got := send(c, tc.first, first); got != tc.wantFirst {
					t.Fatalf("first push with %s: %q, want %q", tc.first.kid, got, tc.wantFirst)
				}
				clock.Add(int64(tc.advance))
				second := first
				if tc.second.kid != tc.first.kid || tc.want == "TooManyProviderTokenUpdates" {
					second = ring.token(t, tc.second.kid, now())
				}
				if got := send(c, tc.second, second); got != tc.want {
					t.Errorf("second push with %s on the same connection: %q, want %q", tc.second.kid, got, tc.want)
				}
				if got := send(f.client(t), tc.second, second); got != tc.wantFresh {
					t.Errorf("second push with %s on a fresh connection: %q, want %q", tc.second.kid, got, tc.wantFresh)
				}
			})
		}
	}
}

// TestBadEnvironmentKeySpelling: Config.BadEnvironmentKeyReason picks which
// spelling a key of the other environment draws; anything else is refused.
func TestBadEnvironmentKeySpelling(t *testing.T) {
	for _, spelling := range []string{"", reasonBadEnvKeyID, reasonBadEnvKey} {
		t.Run("spelling="+spelling, func(t *testing.T) {
			f := newFixture(t, func(c *Config) {
				c.Keys[0].Environment, c.BadEnvironmentKeyReason = "production", spelling
			})
			res, err := f.client(t).Push(alertPush(testDevice))
			if err != nil {
				t.Fatal(err)
			}
			want := spelling
			if want == "" {
				want = reasonBadEnvKeyID // Apple's table
			}
			if res.StatusCode != 403 || res.Reason != want {
				t.Errorf("got %d %q, want 403 %q", res.StatusCode, res.Reason, want)
			}
			e := f.events.wait(t, "rejected", named(res.ApnsID, "rejected"))
			if e.Diagnosis == nil || e.Diagnosis.Apple != want || apns.Hint(want) != e.Diagnosis.Hint {
				t.Errorf("diagnosis %+v, want Apple reason %s with its hint", e.Diagnosis, want)
			}
		})
	}
	if _, err := New(Config{BadEnvironmentKeyReason: "BadEnvironment"}); err == nil {
		t.Error("an unknown spelling was accepted")
	}
}

// TestKeyConfigRefused: keys Apple would not issue are refused at start.
func TestKeyConfigRefused(t *testing.T) {
	k, err := apns.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pub := &k.PublicKey
	tests := []struct {
		name string
		keys []ProviderKey
	}{
		{"environment", []ProviderKey{{KeyID: "K1", TeamID: testTeam, Public: pub, Environment: "staging"}}},
		{"topic key without topics", []ProviderKey{{KeyID: "K1", TeamID: testTeam, Public: pub, Topics: []string{}}}},
		{"empty topic", []ProviderKey{{KeyID: "K1", TeamID: testTeam, Public: pub, Topics: []string{""}}}},
		{"related on a team key", []ProviderKey{{KeyID: "K1", TeamID: testTeam, Public: pub, Related: "K2"},
			{KeyID: "K2", TeamID: testTeam, Public: pub, Topics: []string{testTopic}}}},
		{"related key missing", []ProviderKey{{KeyID: "K1", TeamID: testTeam, Public: pub, Topics: []string{testTopic}, Related: "K2"}}},
		{"related key of another environment", []ProviderKey{
			{KeyID: "K1", TeamID: testTeam, Public: pub, Topics: []string{testTopic}, Related: "K2", Environment: "sandbox"},
			{KeyID: "K2", TeamID: testTeam, Public: pub, Topics: []string{testTopic}, Environment: "production"}}},
		{"two related keys", []ProviderKey{
			{KeyID: "K1", TeamID: testTeam, Public: pub, Topics: []string{testTopic}, Related: "K2"},
			{KeyID: "K2", TeamID: testTeam, Public: pub, Topics: []string{testTopic}, Related: "K3"},
			{KeyID: "K3", TeamID: testTeam, Public: pub, Topics: []string{testTopic}}}},
		{"key id twice", []ProviderKey{{KeyID: "K1", TeamID: testTeam, Public: pub}, {KeyID: "K1", TeamID: testTeam, Public: pub}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if s, err := New(Config{Keys: tc.keys}); err == nil {
				s.Close()
				t.Error("accepted")
			}
		})
	}
}
