package dev.quarry.suggest.fst;

/**
 * Turns folded text into FST byte labels, one UTF-16 code unit at a time, UTF-8 style: U+0001..U+007F
 * take one byte, U+0080..U+07FF two, the rest three, and U+0000 two ({@code C0 80}, as in Java's
 * modified UTF-8). Encoding code units rather than code points keeps every {@code String}
 * (including one with a lone surrogate) representable, and because the code is prefix-free per unit,
 * a char sequence is a prefix of another exactly when its bytes are a prefix of the other's bytes,
 * so {@link String#startsWith} and an FST prefix walk agree. No encoded text contains byte 0x00,
 * which is therefore free to terminate a key ({@link #SEPARATOR}).
 *
 * <p>Stateless; safe for any thread.
 */
final class KeyEncoding {

  /** Ends the text part of every key; never produced by {@link #encode}. */
  static final int SEPARATOR = 0x00;

  private KeyEncoding() {}

  /** The number of bytes {@code c} encodes to. */
  static int length(char c) {
    if (c != 0 && c < 0x80) {
      return 1;
    }
    return c < 0x800 ? 2 : 3;
  }

  /** Writes the encoding of {@code c} at {@code out[pos]}; returns the position after it. */
  static int encode(char c, byte[] out, int pos) {
    if (c != 0 && c < 0x80) {
      out[pos++] = (byte) c;
    } else if (c < 0x800) {
      out[pos++] = (byte) (0xC0 | (c >> 6));
      out[pos++] = (byte) (0x80 | (c & 0x3F));
    } else {
      out[pos++] = (byte) (0xE0 | (c >> 12));
      out[pos++] = (byte) (0x80 | ((c >> 6) & 0x3F));
      out[pos++] = (byte) (0x80 | (c & 0x3F));
    }
    return pos;
  }

  /** Encodes {@code s.substring(from)}. */
  static byte[] encodeSuffix(String s, int from) {
    int len = 0;
    for (int i = from; i < s.length(); i++) {
      len += length(s.charAt(i));
    }
    byte[] out = new byte[len];
    int pos = 0;
    for (int i = from; i < s.length(); i++) {
      pos = encode(s.charAt(i), out, pos);
    }
    return out;
  }

  /**
   * Writes the order-preserving, prefix-free tie-breaker that makes keys with the same text part
   * unique: one byte for 0..254, else 0xFF and four big-endian bytes. Returns the position after it.
   */
  static int encodeTieBreaker(int n, int[] out, int pos) {
    if (n < 0xFF) {
      out[pos++] = n;
    } else {
      out[pos++] = 0xFF;
      out[pos++] = (n >>> 24) & 0xFF;
      out[pos++] = (n >>> 16) & 0xFF;
      out[pos++] = (n >>> 8) & 0xFF;
      out[pos++] = n & 0xFF;
    }
    return pos;
  }
}
