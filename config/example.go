package config

// Example is what `callscope config init` writes. Its live profile needs
// no file, so `callscope config check` passes on it as written; the
// others are comments to fill in.
const Example = `# callscope config: named profiles of what a push needs.
# Use one with --profile NAME (push, and the commands that take it), or set
# default_profile. A flag given on the command line wins over the profile.
# Check this file with: callscope config check
#
# Secrets never go in this file. Keys are named by path (~ is your home, a
# relative path is relative to this file's folder); the certificate's
# password is env:NAME (an environment variable) or file:PATH (a file
# holding it). A key or password pasted here is an error.
# Every field: docs/config.md

default_profile = "local"

# callscope's own mock APNs, in the same process: no keys needed.
[profiles.local]
apns = "mock"                      # mock, sandbox, production, or https://HOST[:PORT]
topic = "com.example.app"          # apns-topic: the bundle id (.voip for voip pushes)
device_token = "my-iphone"         # hex, or a name from the devices table below

[profiles.local.devices]
my-iphone = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

# Apple's sandbox with token auth (a .p8 key from your developer account).
# [profiles.staging]
# apns = "sandbox"
# environment = "sandbox"          # the app's aps-environment: development is sandbox
# port = 443                       # or 2197
# topic = "com.example.app"
# auth_key = "~/keys/AuthKey_ABC1234567.p8"
# key_id = "ABC1234567"
# team_id = "TEAM123456"
# device_token = "alice"
#
# [profiles.staging.devices]
# alice = "<the 64 hex characters your app logged from didRegisterForRemoteNotificationsWithDeviceToken>"

# Production with an APNs certificate; a send to production still needs --yes.
# [profiles.production]
# apns = "production"
# environment = "production"
# topic = "com.example.app.voip"
# cert = "~/keys/push-production.p12"
# cert_password = "env:APNS_P12_PASSWORD"   # or "file:~/keys/p12-password.txt"

# A running callscope mock-apns (or any APNs stand-in) and its CA.
# [profiles.mock-apns]
# apns = "https://127.0.0.1:2197"
# ca = "ca.pem"                    # the file callscope mock-apns --ca-out wrote
# topic = "org.example.app"
# ingest = "127.0.0.1:4318"        # the screen's events endpoint
`
