-- Macros of every stage reach the Java milter; the Java test checks what the milter saw at each callback.
-- mt.macro takes the stage as a command character; miltertest names only C, H, M and R (SMFIC_*), so DATA, end
-- of headers and end of message are given by their characters.
local DATA, EOH, EOM = string.byte("T"), string.byte("N"), string.byte("E")

local conn = open()
ok("macros C", mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.org", "{daemon_name}", "smtpd",
                        "{client_addr}", "192.0.2.7"))
expect(conn, "connect", mt.conninfo(conn, "client.example", "192.0.2.7"), SMFIR_CONTINUE)
ok("macros H", mt.macro(conn, SMFIC_HELO, "{tls_version}", "TLSv1.3", "{cipher}", "TLS_AES_256_GCM_SHA384"))
expect(conn, "helo", mt.helo(conn, "client.example"), SMFIR_CONTINUE)

-- Message 1: macros at every stage; the second recipient's macros replace the first's.
ok("macros M", mt.macro(conn, SMFIC_MAIL, "{mail_addr}", "sender@example.org", "{auth_authen}", "alice"))
expect(conn, "mail", mt.mailfrom(conn, "<sender@example.org>"), SMFIR_CONTINUE)
ok("macros R 1", mt.macro(conn, SMFIC_RCPT, "{rcpt_addr}", "first@example.net"))
expect(conn, "rcpt 1", mt.rcptto(conn, "<first@example.net>"), SMFIR_CONTINUE)
ok("macros R 2", mt.macro(conn, SMFIC_RCPT, "{rcpt_addr}", "second@example.net"))
expect(conn, "rcpt 2", mt.rcptto(conn, "<second@example.net>"), SMFIR_CONTINUE)
ok("macros T", mt.macro(conn, DATA, "i", "4XyZ1", "{data_note}", "at data"))
expect(conn, "data", mt.data(conn), SMFIR_CONTINUE)
expect(conn, "header", mt.header(conn, "Subject", "macros"), SMFIR_CONTINUE)
ok("macros N", mt.macro(conn, EOH, "{eoh_note}", "at end of headers"))
expect(conn, "eoh", mt.eoh(conn), SMFIR_CONTINUE)
expect(conn, "body", mt.bodystring(conn, "Hello.\r\n"), SMFIR_CONTINUE)
ok("macros E", mt.macro(conn, EOM, "{msg_size}", "1234", "{eom_note}", "a value with spaces"))
expect(conn, "eom", mt.eom(conn), SMFIR_CONTINUE)

-- Message 2: new MAIL macros replace the old ones; the first message's later stages are forgotten.
ok("macros M again", mt.macro(conn, SMFIC_MAIL, "{mail_addr}", "other@example.org"))
expect(conn, "mail 2", mt.mailfrom(conn, "<other@example.org>"), SMFIR_CONTINUE)
expect(conn, "rcpt 2.1", mt.rcptto(conn, "<third@example.net>"), SMFIR_CONTINUE)
ok("abort", mt.abort(conn))

close(conn)
