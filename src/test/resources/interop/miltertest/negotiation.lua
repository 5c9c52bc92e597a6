-- Option negotiation as miltertest sees it. The Java milter asks for ADDHDRS, CHGHDRS and QUARANTINE, a macro list
-- (SETSYMLIST), no unknown commands (NOUNKNOWN), no reply to headers (NR_HDR) and SKIP; its connect host name
-- tells it to answer TEMPFAIL at end of headers.
local ALL_PROTOCOL, ALL_ACTIONS = 0x1FFFFF, 0x1FF

local function expect_flag(what, got, wanted)
  if got ~= wanted then
    error(string.format("%s: expected %s, got %s", what, tostring(wanted), tostring(got)), 2)
  end
end

local function message_up_to_headers(conn)
  expect(conn, "connect", mt.conninfo(conn, "eoh.tempfail.test", "192.0.2.1"), SMFIR_CONTINUE)
  expect(conn, "helo", mt.helo(conn, "client.example"), SMFIR_CONTINUE)
  expect(conn, "mail", mt.mailfrom(conn, "<sender@example.org>"), SMFIR_CONTINUE)
  expect(conn, "rcpt", mt.rcptto(conn, "<rcpt@example.net>"), SMFIR_CONTINUE)
  expect(conn, "data", mt.data(conn), SMFIR_CONTINUE)
end

-- 1. Everything on offer: the milter gets what it asked for.
local conn = open()
local actions = {
  { "SMFIF_ADDHDRS", SMFIF_ADDHDRS, true }, { "SMFIF_CHGHDRS", SMFIF_CHGHDRS, true },
  { "SMFIF_QUARANTINE", SMFIF_QUARANTINE, true }, { "SMFIF_SETSYMLIST", SMFIF_SETSYMLIST, true },
  { "SMFIF_CHGBODY", SMFIF_CHGBODY, false }, { "SMFIF_ADDRCPT", SMFIF_ADDRCPT, false },
  { "SMFIF_DELRCPT", SMFIF_DELRCPT, false }, { "SMFIF_CHGFROM", SMFIF_CHGFROM, false },
  { "SMFIF_ADDRCPT_PAR", SMFIF_ADDRCPT_PAR, false },
}
for _, a in ipairs(actions) do
  expect_flag("action " .. a[1], mt.test_action(conn, a[2]), a[3])
end
local options = {
  { "SMFIP_NOUNKNOWN", SMFIP_NOUNKNOWN, true }, { "SMFIP_NR_HDR", SMFIP_NR_HDR, true },
  { "SMFIP_SKIP", SMFIP_SKIP, true }, { "SMFIP_NOCONNECT", SMFIP_NOCONNECT, false },
  { "SMFIP_NOHDRS", SMFIP_NOHDRS, false }, { "SMFIP_NR_CONN", SMFIP_NR_CONN, false },
  { "SMFIP_NR_EOH", SMFIP_NR_EOH, false }, { "SMFIP_HDR_LEADSPC", SMFIP_HDR_LEADSPC, false },
  { "SMFIP_RCPT_REJ", SMFIP_RCPT_REJ, false },
}
for _, o in ipairs(options) do
  expect_flag("option " .. o[1], mt.test_option(conn, o[2]), o[3])
end
message_up_to_headers(conn)
-- miltertest itself refuses to send what the milter declined. (Called before the connect event, mt.unknown would
-- first send a connect of its own, and checks the flag only then.)
local sent, err = pcall(mt.unknown, conn, "XPING")
if sent or not tostring(err):find("SMFIP_NOUNKNOWN") then
  error("mt.unknown after NOUNKNOWN: " .. tostring(err))
end
-- With NR_HDR agreed miltertest reads no reply to a header. Had the milter sent one anyway, that stale CONTINUE
-- would be read at end of headers instead of the TEMPFAIL.
ok("header 1", mt.header(conn, "Subject", "no reply"))
ok("header 2", mt.header(conn, "From", "sender@example.org"))
expect(conn, "eoh", mt.eoh(conn), SMFIR_TEMPFAIL)
close(conn)

-- 2. NR_HDR and SKIP not on offer: not asked for; the milter layer answers headers CONTINUE on the milter's behalf.
conn = open(6, ALL_PROTOCOL - SMFIP_NR_HDR - SMFIP_SKIP, ALL_ACTIONS)
expect_flag("option SMFIP_NR_HDR", mt.test_option(conn, SMFIP_NR_HDR), false)
expect_flag("option SMFIP_SKIP", mt.test_option(conn, SMFIP_SKIP), false)
expect_flag("option SMFIP_NOUNKNOWN", mt.test_option(conn, SMFIP_NOUNKNOWN), true)
message_up_to_headers(conn)
expect(conn, "header 1", mt.header(conn, "Subject", "faked reply"), SMFIR_CONTINUE)
expect(conn, "eoh", mt.eoh(conn), SMFIR_TEMPFAIL)
close(conn)

-- 3. QUARANTINE not on offer: the milter needs it, so the server hangs up instead of answering.
conn = mt.connect(socket, 5, 0.2)
if mt.negotiate(conn, 6, ALL_PROTOCOL, ALL_ACTIONS - SMFIF_QUARANTINE) == nil then
  error("negotiation without SMFIF_QUARANTINE on offer succeeded")
end
mt.disconnect(conn, false)

-- 4. An MTA of protocol version 1: refused the same way.
conn = mt.connect(socket, 5, 0.2)
if mt.negotiate(conn, 1, nil, nil) == nil then
  error("negotiation with version 1 succeeded")
end
mt.disconnect(conn, false)

