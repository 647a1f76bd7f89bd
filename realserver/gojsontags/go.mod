module safeclient.dev/realserver/gojsontags

go 1.22
