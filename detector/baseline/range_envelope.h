// The range a signal has kept to, and how far a record breaks out of it: the lowest and highest
// values seen, each drifting back towards their midpoint with a half-life of `half_life`
// records, so an old extreme is forgotten in a few half-lives (a weeks-old incident does not
// hide the next one for ever). 12 bytes of state.
//
// A value outside every value the signal has had is what an engineer looking at a chart calls
// anomalous first, and under exchangeability it is rare by itself: the n-th record of a
// stationary series sets a new maximum with probability 1/n (the theory of record values;
// Arnold, Balakrishnan & Nagaraja, "Records", Wiley 1998), and one beyond the maximum by a
// margin of the range is rarer still. The magnitude baselines of this folder judge a record
// against the recent spread instead, which on a spiky signal is wide enough to hide a break
// out of the signal's whole history (a CPU series of spikes to 70 % reaching 100 %, a level
// of 33 dropping to 0).
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/binary_io.h"

namespace edgewatch::baseline {

class RangeEnvelope {
 public:
  // half_life: records for the envelope's distance from its midpoint to halve (0: no decay).
  explicit RangeEnvelope(uint32_t half_life = 10000);

  // How far x lies outside the envelope of the records before it, in units of the envelope's
  // width (0.5: half the range above the highest or below the lowest); 0 inside it and while
  // the envelope has no width yet. Then x joins the envelope.
  double Update(double x);

  double low() const { return lo_; }
  double high() const { return hi_; }
  static constexpr size_t StateBytes() { return sizeof(RangeEnvelope); }
  // The learned state, for snapshots (BinaryWriter's caveats apply).
  void Save(BinaryWriter& w) const { w.Put(*this); }
  bool Load(BinaryReader& r) { return r.Get(*this); }

 private:
  float lo_, hi_;  // lo_ > hi_ until the first record
  float keep_;     // per record: the share of the distance from the midpoint kept
};

}  // namespace edgewatch::baseline
