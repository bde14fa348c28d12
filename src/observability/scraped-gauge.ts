/**
 * A gauge whose series are read from a source at each scrape rather than stored in the gauge.
 * For metrics with a series per node and file whose values a cache holds already: prom-client
 * keeps a labels object, a value object and a hash key per stored series, about 200 bytes each,
 * which at 5,000 nodes with six certificate files is 6 MB of heap for a copy of the cache.
 */
import { Gauge, type LabelValues } from "prom-client";

export interface GaugeSample<T extends string> {
  labels: LabelValues<T>;
  value: number;
}

export type GaugeSource<T extends string> = () => Iterable<GaugeSample<T>>;

export class ScrapedGauge<T extends string> extends Gauge<T> {
  private source: GaugeSource<T> = () => [];

  /** Where the series come from from now on (the latest controller's cache). */
  readFrom(source: GaugeSource<T>): void {
    this.source = source;
  }

  override async get(): ReturnType<Gauge<T>["get"]> {
    // The name, help, type and aggregator as prom-client gives them; no series is stored here.
    const metric = await super.get();
    return { ...metric, values: [...this.source()] };
  }
}
