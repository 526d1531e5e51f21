import { isEmptyOffsetsAnswer, replicationFor } from './admin';

describe('replicationFor', () => {
  it('keeps three copies with two in sync from three brokers on, one copy on a single broker', () => {
    expect(replicationFor(1)).toEqual({ replicationFactor: 1, minInsyncReplicas: 1 });
    expect(replicationFor(2)).toEqual({ replicationFactor: 2, minInsyncReplicas: 1 });
    expect(replicationFor(3)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
    expect(replicationFor(5)).toEqual({ replicationFactor: 3, minInsyncReplicas: 2 });
  });
});

describe('isEmptyOffsetsAnswer', () => {
  it("is kafkajs's TypeError on an empty offsets answer, and nothing else", () => {
    expect(isEmptyOffsetsAnswer(new TypeError("Cannot destructure property 'partitions' of 'high.pop(...)' as it is undefined."))).toBe(true);
    expect(isEmptyOffsetsAnswer(new TypeError('x is not a function'))).toBe(false);
    expect(isEmptyOffsetsAnswer(new Error("Cannot destructure property 'partitions'"))).toBe(false);
  });
});
