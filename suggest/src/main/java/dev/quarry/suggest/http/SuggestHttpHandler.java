package dev.quarry.suggest.http;

import dev.quarry.suggest.error.SuggestException;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The error boundary of the HTTP server: routes each aggregated request, turns any exception into
 * a JSON reply through {@link ErrorMapper}, and writes the reply with the common headers (length,
 * {@code Access-Control-Allow-Origin: *}, keep-alive). A request Netty could not decode gets a 400
 * and the connection is closed.
 *
 * <p>Replies are written when ready: at once for everything but {@code /v1/search}, which
 * completes on a gRPC thread (Netty's {@code writeAndFlush} may be called from any thread). A
 * client that pipelines a search and another request may get the answers out of order; browsers
 * do not pipeline.
 *
 * <p>Thread-safety: stateless and {@link ChannelHandler.Sharable}; one instance serves every
 * channel on every event-loop thread.
 */
@ChannelHandler.Sharable
final class SuggestHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

  private static final Logger log = LoggerFactory.getLogger(SuggestHttpHandler.class);

  private final SuggestRoutes routes;

  SuggestHttpHandler(SuggestRoutes routes) {
    this.routes = routes;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (request.decoderResult().isFailure()) {
      HttpReply reply =
          ErrorMapper.toReply(
              SuggestException.invalidArgument("malformed HTTP request"), "<undecodable>");
      write(ctx, HttpVersion.HTTP_1_1, reply, false); // the request's version is unknown
      return;
    }
    String requestLine = request.method() + " " + request.uri();
    HttpVersion version =
        request.protocolVersion().equals(HttpVersion.HTTP_1_0)
            ? HttpVersion.HTTP_1_0
            : HttpVersion.HTTP_1_1;
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    CompletableFuture<HttpReply> reply;
    try {
      reply = routes.routeAsync(request);
    } catch (Exception e) {
      reply = CompletableFuture.completedFuture(ErrorMapper.toReply(e, requestLine));
    }
    reply.whenComplete(
        (ok, failure) ->
            write(ctx, version, failure == null ? ok : ErrorMapper.toReply(failure, requestLine), keepAlive));
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof IOException) {
      log.debug("suggest HTTP: connection {} failed", ctx.channel().remoteAddress(), cause);
    } else {
      log.warn("suggest HTTP: closing connection {} after a failure",
          ctx.channel().remoteAddress(), cause);
    }
    ctx.close();
  }

  private static void write(
      ChannelHandlerContext ctx, HttpVersion version, HttpReply reply, boolean keepAlive) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(version, reply.status(), Unpooled.wrappedBuffer(reply.body()));
    HttpHeaders headers = response.headers();
    if (reply.contentType() != null) {
      headers.set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
    }
    headers.setInt(HttpHeaderNames.CONTENT_LENGTH, reply.body().length);
    headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    headers.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    for (Map.Entry<String, String> header : reply.headers().entrySet()) {
      headers.set(header.getKey(), header.getValue());
    }
    HttpUtil.setKeepAlive(response, keepAlive);
    ChannelFuture written = ctx.writeAndFlush(response);
    if (!keepAlive) {
      written.addListener(ChannelFutureListener.CLOSE);
    }
  }
}
