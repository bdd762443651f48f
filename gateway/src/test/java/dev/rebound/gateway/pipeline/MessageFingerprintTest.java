package dev.rebound.gateway.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MessageFingerprintTest {

  @Test
  void theReferenceBelowGivesMurmurHash3sPublishedValues() {
    // Guava's Murmur3_128HashFunctionTest values (h1, h2) for ASCII text
    assertReference(0, 0x629942693e10f867L, 0x92db0b82baeb5347L, "hell");
    assertReference(1, 0xa78ddff5adae8d10L, 0x128900ef20900135L, "hello");
    assertReference(2, 0x8a486b23f422e826L, 0xf962a2c58947765fL, "hello ");
    assertReference(3, 0x2ea59f466f6bed8cL, 0xc610990acc428a17L, "hello w");
    assertReference(4, 0x79f6305a386c572cL, 0x46305aed3483b94eL, "hello wo");
    assertReference(5, 0xc2219d213ec1f1b5L, 0xa1d8e2e0a52785bdL, "hello wor");
    assertReference(0, 0xe34bbc7bbc071b6cL, 0x7a433ca9c49a9347L, "The quick brown fox jumps over the lazy dog");
    assertReference(0, 0x658ca970ff85269aL, 0x43fee3eaa68e5c3eL, "The quick brown fox jumps over the lazy cog");
  }

  @Test
  void aTextHashesAsMurmurHash3OfItsUtf16LittleEndianBytesWhateverItsLengthAndCharacters() {
    Random random = new Random(7);
    for (int n = 0; n < 3_000; n++) {
      int length = n < 2_000 ? n % 40 : random.nextInt(40_000); // every tail length, and text past the scratch array
      StringBuilder text = new StringBuilder();
      for (int c = 0; c < length; c++) text.append((char) random.nextInt(n % 2 == 0 ? 0x80 : 0x10000));
      long seed = n % 3;
      char[] chars = text.toString().toCharArray();
      assertArrayEquals(reference(utf16le(chars), seed), MessageFingerprint.hash(new String(chars), seed),
          "length " + length);
      if (seed == 0) assertArrayEquals(reference(utf16le(chars), 0), MessageFingerprint.of(text), "length " + length);
    }
    // at and around the ends of the slices it is read in
    for (int length : new int[] {16_383, 16_384, 16_385, 16_391, 16_392, 32_768, 32_775}) {
      char[] chars = new char[length];
      for (int c = 0; c < length; c++) chars[c] = (char) random.nextInt(0x10000);
      assertArrayEquals(reference(utf16le(chars), 0), MessageFingerprint.of(new StringBuilder().append(chars)),
          "length " + length);
    }
  }

  /** The code units as they are, lone surrogates too (the JDK's UTF-16LE encoder would replace those). */
  private static byte[] utf16le(char[] chars) {
    ByteBuffer out = ByteBuffer.allocate(2 * chars.length).order(ByteOrder.LITTLE_ENDIAN);
    for (char c : chars) out.putChar(c);
    return out.array();
  }

  private static void assertReference(long seed, long h1, long h2, String ascii) {
    ByteBuffer out = ByteBuffer.wrap(reference(ascii.getBytes(StandardCharsets.US_ASCII), seed))
        .order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(h1, out.getLong(), ascii);
    assertEquals(h2, out.getLong(), ascii);
  }

  /** MurmurHash3_x64_128 over bytes, as Austin Appleby's MurmurHash3.cpp writes it. */
  private static byte[] reference(byte[] data, long seed) {
    final long c1 = 0x87c37b91114253d5L;
    final long c2 = 0x4cf5ad432745937fL;
    ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    long h1 = seed;
    long h2 = seed;
    int blocks = data.length / 16;
    for (int b = 0; b < blocks; b++) {
      long k1 = in.getLong(b * 16);
      long k2 = in.getLong(b * 16 + 8);
      k1 *= c1;
      k1 = Long.rotateLeft(k1, 31);
      k1 *= c2;
      h1 ^= k1;
      h1 = Long.rotateLeft(h1, 27);
      h1 += h2;
      h1 = h1 * 5 + 0x52dce729;
      k2 *= c2;
      k2 = Long.rotateLeft(k2, 33);
      k2 *= c1;
      h2 ^= k2;
      h2 = Long.rotateLeft(h2, 31);
      h2 += h1;
      h2 = h2 * 5 + 0x38495ab5;
    }
    int tail = blocks * 16;
    int rest = data.length & 15;
    long k1 = 0;
    long k2 = 0;
    for (int i = rest - 1; i >= 8; i--) k2 = k2 << 8 | (data[tail + i] & 0xffL);
    if (rest > 8) {
      k2 *= c2;
      k2 = Long.rotateLeft(k2, 33);
      k2 *= c1;
      h2 ^= k2;
    }
    for (int i = Math.min(rest, 8) - 1; i >= 0; i--) k1 = k1 << 8 | (data[tail + i] & 0xffL);
    if (rest > 0) {
      k1 *= c1;
      k1 = Long.rotateLeft(k1, 31);
      k1 *= c2;
      h1 ^= k1;
    }
    h1 ^= data.length;
    h2 ^= data.length;
    h1 += h2;
    h2 += h1;
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 += h2;
    h2 += h1;
    return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(h1).putLong(h2).array();
  }

  private static long fmix(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
