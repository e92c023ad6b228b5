package main

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/callscope/callscope/themes"
)

// themeUsage is --theme's help, the same on every screen.
var themeUsage = "colour theme: " + strings.Join(themes.Names(), ", ") +
	", or a theme FILE (TOML, docs/themes.md); default: dark or light by the terminal's background; NO_COLOR turns colour off"

// addThemeFlag adds --theme to a screen's command.
func addThemeFlag(f *pflag.FlagSet, p *string) { f.StringVar(p, "theme", "", themeUsage) }

// checkTheme reads --theme before the screen opens: an unknown name or a
// bad theme file is a usage error naming the file, line and field.
func checkTheme(arg string) error {
	if _, err := themes.Choose(arg); err != nil {
		return usageError{fmt.Errorf("--theme: %w", err)}
	}
	return nil
}
