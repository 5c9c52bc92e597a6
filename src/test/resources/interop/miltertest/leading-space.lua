-- HDR_LEADSPC: the Java milter asks for it; miltertest then sends header values with the space after the colon,
-- and takes the values the milter adds as they are.
local conn = open()
if not mt.test_option(conn, SMFIP_HDR_LEADSPC) then
  error("the milter did not ask for SMFIP_HDR_LEADSPC")
end
expect(conn, "connect", mt.conninfo(conn, "client.example", "192.0.2.1"), SMFIR_CONTINUE)
expect(conn, "helo", mt.helo(conn, "client.example"), SMFIR_CONTINUE)
expect(conn, "mail", mt.mailfrom(conn, "<sender@example.org>"), SMFIR_CONTINUE)
expect(conn, "rcpt", mt.rcptto(conn, "<rcpt@example.net>"), SMFIR_CONTINUE)
expect(conn, "data", mt.data(conn), SMFIR_CONTINUE)
expect(conn, "header", mt.header(conn, "Subject", "spaced out"), SMFIR_CONTINUE)
expect(conn, "eoh", mt.eoh(conn), SMFIR_CONTINUE)
expect(conn, "body", mt.bodystring(conn, "Hello.\r\n"), SMFIR_CONTINUE)
expect(conn, "eom", mt.eom(conn), SMFIR_CONTINUE)
eom_has(conn, "X-Spaced with its leading space", MT_HDRADD, "X-Spaced", " kept as given")
close(conn)
