package main
import (
	_ "charm.land/bubbletea/v2"
	_ "charm.land/bubbles/v2/help"
	_ "charm.land/lipgloss/v2"
	_ "charm.land/fang/v2"
	_ "github.com/spf13/cobra"
	_ "github.com/sideshow/apns2"
	_ "github.com/sideshow/apns2/token"
	_ "github.com/golang-jwt/jwt/v4"
	_ "golang.org/x/crypto/chacha20poly1305"
	_ "golang.org/x/net/http2"
	_ "github.com/HdrHistogram/hdrhistogram-go"
	_ "github.com/BurntSushi/toml"
	_ "github.com/google/uuid"
	_ "github.com/charmbracelet/x/exp/teatest/v2"
)
func main(){}
