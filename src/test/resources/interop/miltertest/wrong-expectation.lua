-- The harness's own check (MiltertestDrivesJavaMilterTest.aFailingScriptFailsTheTestWithMiltertestsOutput): this
-- script expects a REJECT where the milter continues, and so must fail, with its message in the test's failure.
local conn = open()
expect(conn, "connect", mt.conninfo(conn, "client.example", "192.0.2.1"), SMFIR_CONTINUE)
expect(conn, "helo", mt.helo(conn, "client.example"), SMFIR_REJECT)
close(conn)
