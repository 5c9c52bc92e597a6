-- Helpers shared by the miltertest scripts; run.lua loads them before it runs a script.
--
-- Globals set by the Java runner (Miltertest.java) with -D: socket (the milter, "unix:PATH" or "inet:PORT@HOST"),
-- scripts (this directory), script (the running script's file name).
--
-- Every mt.* call that talks to the milter returns nil on success or an error text on failure; it does not raise.
-- The helpers below turn a failure, an unexpected reply or a missing end-of-message change into error(), so the
-- script stops at the first mismatch; run.lua prints the error and miltertest exits 1.

-- A milter that does not answer within this many seconds fails the read (miltertest's default is 10).
mt.set_timeout(5)

local REPLY_NAMES = {
  [SMFIR_CONTINUE] = "CONTINUE", [SMFIR_ACCEPT] = "ACCEPT", [SMFIR_REJECT] = "REJECT",
  [SMFIR_TEMPFAIL] = "TEMPFAIL", [SMFIR_DISCARD] = "DISCARD", [SMFIR_REPLYCODE] = "REPLYCODE",
  [SMFIR_SKIP] = "SKIP", [0] = "nothing yet",
}

-- The name of a reply code as mt.getreply returns it (a number: the reply's command character).
function reply_name(code)
  return REPLY_NAMES[code] or string.format("'%s'", string.char(math.tointeger(code)))
end

-- Fails with `what` when an mt.* call returned an error text.
function ok(what, err)
  if err ~= nil then
    error(what .. ": " .. tostring(err), 2)
  end
end

-- Fails unless the mt.* call succeeded and the milter's last reply was `wanted` (an SMFIR_* constant).
function expect(conn, what, err, wanted)
  if err ~= nil then
    error(what .. ": " .. tostring(err), 2)
  end
  local got = mt.getreply(conn)
  if got ~= wanted then
    error(string.format("%s: expected %s, the milter answered %s", what, reply_name(wanted), reply_name(got)), 2)
  end
end

-- Fails unless the last end of message carried the change described by the mt.eom_check arguments.
function eom_has(conn, what, op, ...)
  if not mt.eom_check(conn, op, ...) then
    error("end of message lacks " .. what, 2)
  end
end

-- Fails if the last end of message carried the change described by the mt.eom_check arguments.
function eom_lacks(conn, what, op, ...)
  if mt.eom_check(conn, op, ...) then
    error("end of message has " .. what .. ", which it should not", 2)
  end
end

-- A new connection to the milter, negotiated with the given offer (nil for miltertest's default: version 6,
-- every action 0x1FF, every protocol flag 0x1FFFFF).
-- Beware: mt.negotiate takes (conn, version, PROTOCOL, ACTIONS), the reverse of what its man page says.
function open(version, protocol, actions)
  local conn = mt.connect(socket, 5, 0.2)
  if conn == nil then
    error("cannot connect to " .. socket, 2)
  end
  ok("negotiate", mt.negotiate(conn, version, protocol, actions))
  return conn
end

-- Sends QUIT and closes.
function close(conn)
  ok("disconnect", mt.disconnect(conn))
end
