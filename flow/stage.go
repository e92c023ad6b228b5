package flow

import "fmt"

// Stage is one of the five places a call request passes through.
type Stage string

const (
	StageSender    Stage = "sender"    // the caller's app
	StageServer    Stage = "server"    // the provider server
	StageAPNs      Stage = "apns"      // Apple Push Notification service (mock or real)
	StageExtension Stage = "extension" // the callee's Notification Service Extension
	StageCallKit   Stage = "callkit"   // the callee's app, PushKit and CallKit
)

// Stages lists the stages in path order.
var Stages = [...]Stage{StageSender, StageServer, StageAPNs, StageExtension, StageCallKit}

// Title is the stage's name as the screen shows it.
func (s Stage) Title() string {
	switch s {
	case StageSender:
		return "Sender"
	case StageServer:
		return "Server"
	case StageAPNs:
		return "APNs"
	case StageExtension:
		return "Extension"
	case StageCallKit:
		return "CallKit"
	}
	return string(s)
}

// Index is the stage's position on the path, or -1 for an unknown stage.
func (s Stage) Index() int {
	for i, st := range Stages {
		if st == s {
			return i
		}
	}
	return -1
}

// ParseStage accepts a stage name as written in traces and flags.
func ParseStage(s string) (Stage, error) {
	st := Stage(s)
	if st.Index() < 0 {
		return "", fmt.Errorf("unknown stage %q (want sender, server, apns, extension or callkit)", s)
	}
	return st, nil
}

// Kind is what the sender asked for. The server cannot tell them apart.
type Kind string

const (
	KindCall    Kind = "call"
	KindMessage Kind = "message"
)

// ParseKind accepts "call" or "message".
func ParseKind(s string) (Kind, error) {
	switch Kind(s) {
	case KindCall, KindMessage:
		return Kind(s), nil
	}
	return "", fmt.Errorf("unknown kind %q (want call or message)", s)
}
