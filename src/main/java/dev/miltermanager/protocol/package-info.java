/**
 * The milter wire protocol as a pure codec: framing ({@link dev.miltermanager.protocol.Packet},
 * {@link dev.miltermanager.protocol.PacketReader}), the MTA-to-milter {@link dev.miltermanager.protocol.Command}
 * family and the milter-to-MTA {@link dev.miltermanager.protocol.Response} family (one record per wire type),
 * option negotiation ({@link dev.miltermanager.protocol.Action}, {@link dev.miltermanager.protocol.ProtocolFlag},
 * {@link dev.miltermanager.protocol.MacroStage}), SMTP reply validation ({@link dev.miltermanager.protocol.SmtpReply})
 * and packet size limits.
 *
 * <p>No sockets and no threads live here; every type is immutable and safe to share between threads.
 * Malformed input raises a {@link dev.miltermanager.protocol.MilterProtocolException} subclass that says what was
 * wrong; a length prefix is never trusted for allocation.
 */
package dev.miltermanager.protocol;
