package uuidtext

import (
	"regexp"
	"testing"
)

func TestValid(t *testing.T) {
	re := regexp.MustCompile(`^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$`)
	for _, s := range []string{
		"d58d4de5-5654-f907-0fa7-425e1130f31a", "D58D4DE5-5654-F907-0FA7-425E1130F31A", "",
		"d58d4de5-5654-f907-0fa7-425e1130f31", "d58d4de5-5654-f907-0fa7-425e1130f31g",
		"d58d4de5_5654-f907-0fa7-425e1130f31a", "d58d4de55654-f907-0fa7-425e1130f31a-",
		"{58d4de5-5654-f907-0fa7-425e1130f31a", "d58d4de5-5654-f907-0fa7-425e1130f3é",
		"E621E1F8-C36C-495A-93FC-0C247A3E6E5FF", "E621E1F8xC36C-495A-93FC-0C247A3E6E5F",
		"G621E1F8-C36C-495A-93FC-0C247A3E6E5F", "E621E1F8-C36C-495A-93FC-0C247A3E6E5\n", "E621E1F8-C36C-495A-93FC0-C247A3E6E5F",
	} {
		if got, want := Valid(s), re.MatchString(s); got != want {
			t.Errorf("Valid(%q) = %v, want %v", s, got, want)
		}
	}
}
