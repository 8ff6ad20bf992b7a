package dev.quarry.suggest.http;

import dev.quarry.suggest.SuggestIndexes;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The suggest HTTP server: {@code GET /v1/suggest}, {@code /v1/search} (forwarded to the
 * coordinator when {@link SuggestHttpConfig#coordinator()} is set, else 503), {@code /healthz}, {@code /metrics} and the page
 * at {@code /}, on Netty with keep-alive; epoll when its native library loads, NIO otherwise.
 *
 * <p>Lifecycle: {@link #start} binds (port 0 picks an ephemeral port, see {@link #port()}) and
 * returns a running server; {@link #close()} closes the listening socket and shuts the event loops
 * down, waiting for them. A failed bind shuts the event loops down before throwing.
 *
 * <p>Thread-safety: {@link #close()} may be called from any thread, more than once; the request
 * path is handled on Netty's event-loop threads by stateless, shared handlers.
 */
public final class SuggestHttpServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SuggestHttpServer.class);

  /** Initial line (method + URI) limit: q is ≤ 100 characters, so 4 KiB is generous. */
  private static final int MAX_INITIAL_LINE = 4096;
  /** Total header bytes accepted. */
  private static final int MAX_HEADER_SIZE = 16 * 1024;

  private final EventLoopGroup group;
  private final Channel channel;
  private final InetSocketAddress address;
  private final SearchProxy search;

  private SuggestHttpServer(EventLoopGroup group, Channel channel, SearchProxy search) {
    this.group = group;
    this.channel = channel;
    this.search = search;
    this.address = (InetSocketAddress) channel.localAddress();
  }

  /**
   * Binds and starts serving {@code indexes}, with {@code registry} behind {@code /metrics}.
   *
   * @throws IllegalStateException if the address cannot be bound
   */
  public static SuggestHttpServer start(
      SuggestHttpConfig config, SuggestIndexes indexes, PrometheusMeterRegistry registry) {
    Objects.requireNonNull(config, "config");
    SearchProxy search = new SearchProxy(config.coordinator());
    SuggestHttpHandler handler = new SuggestHttpHandler(new SuggestRoutes(indexes, registry, search));
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory ioHandlers = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    Class<? extends ServerChannel> channelType =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            config.ioThreads(), new DefaultThreadFactory("quarry-suggest-http"), ioHandlers);
    try {
      ServerBootstrap bootstrap =
          new ServerBootstrap()
              .group(group)
              .channel(channelType)
              .option(ChannelOption.SO_BACKLOG, 1024)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      ch.pipeline()
                          .addLast(
                              "codec",
                              new HttpServerCodec(
                                  MAX_INITIAL_LINE, MAX_HEADER_SIZE, config.maxRequestBytes()))
                          .addLast("aggregate", new HttpObjectAggregator(config.maxRequestBytes()))
                          .addLast("suggest", handler);
                    }
                  });
      Channel channel = bootstrap.bind(config.host(), config.port()).sync().channel();
      SuggestHttpServer server = new SuggestHttpServer(group, channel, search);
      log.info("suggest HTTP listening on {} ({})", server.address, epoll ? "epoll" : "nio");
      return server;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      search.close();
      throw new IllegalStateException("interrupted while binding " + config.host(), e);
    } catch (Exception e) { // Netty rethrows the checked BindException from sync()
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      search.close();
      throw new IllegalStateException(
          "cannot bind suggest HTTP to " + config.host() + ":" + config.port() + ": " + e.getMessage(),
          e);
    }
  }

  /** The bound port (the real one when configured with 0). */
  public int port() {
    return address.getPort();
  }

  /** The bound address. */
  public InetSocketAddress address() {
    return address;
  }

  @Override
  public void close() {
    channel.close().syncUninterruptibly();
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    search.close();
  }
}
