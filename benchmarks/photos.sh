# photos.sh, sourced by compare.sh and steps.sh: the six corpus photos
# they time (phone photos, large portraits, three without a face).
PHOTOS=(faces-gf/chaeyeon.jpg faces-gf/jimin3.jpg exif-samples/jpg/mobile/jolla.jpg
  exif-samples/jpg/mobile/HMD_Nokia_8.3_5G.jpg exif-samples/jpg/hdr/iphone_hdr_YES.jpg faces-fr/obama3.jpg)
