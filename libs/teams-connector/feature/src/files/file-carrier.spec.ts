import { driveItemName, eTagGuid, INLINE_IMAGES_MAX_BYTES, UPLOAD_RANGE_BYTES } from './file-carrier';

describe('file carrier rules', () => {
  it('names a driveItem without the characters SharePoint refuses, nor leading or trailing dots and spaces', () => {
    expect(driveItemName('spec: v2?.pdf')).toBe('spec_ v2_.pdf');
    expect(driveItemName('a/b\\c|d"e*f<g>h')).toBe('a_b_c_d_e_f_g_h');
    expect(driveItemName(' .hidden. ')).toBe('hidden');
    expect(driveItemName('tab\there')).toBe('tab_here');
    expect(driveItemName('...')).toBe('file');
  });

  it("reads a reference attachment's id from a driveItem's eTag", () => {
    expect(eTagGuid('"{2F9A3C1B-7D4E-4A5B-8C6D-1E2F3A4B5C6D},3"')).toBe('2F9A3C1B-7D4E-4A5B-8C6D-1E2F3A4B5C6D');
    expect(eTagGuid('"c:{x},1"')).toBeNull();
    expect(eTagGuid(undefined)).toBeNull();
  });

  it('keeps ranges a multiple of 320 KiB under 4 MB, and inline images with their base64 under the 4 MB request', () => {
    expect(UPLOAD_RANGE_BYTES % (320 * 1024)).toBe(0);
    expect(UPLOAD_RANGE_BYTES).toBeLessThan(4 * 1024 * 1024);
    expect(Math.ceil(INLINE_IMAGES_MAX_BYTES / 3) * 4 + 28 * 1024).toBeLessThan(4 * 1024 * 1024);
  });
});
