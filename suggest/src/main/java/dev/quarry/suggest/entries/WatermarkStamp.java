package dev.quarry.suggest.entries;

import dev.quarry.suggest.Watermark;
import java.util.Objects;

/**
 * The latest watermark and the content generation it was reported at. A snapshot captured at the
 * same generation holds exactly the content that watermark describes, so it may be served with
 * that snapshot even if reported after the capture (records that changed no entry still advance
 * it).
 */
public record WatermarkStamp(long generation, Watermark watermark) {

  public WatermarkStamp {
    Objects.requireNonNull(watermark, "watermark");
  }
}
