# bitern compare: cifar10, cifar-cnn. Written by `bitern compare --dataset cifar10 --init-float --q-epochs 6 --data-dir /work/shared/data --out /tmp/cc`; `gnuplot plots.gp` in this folder redraws the plots.
if (!exists('suffix')) suffix = ''

reset
set terminal pngcairo size 900,600 font ',10' noenhanced
set output 'acc_vs_bytes.png'.suffix
set grid
set title 'Accuracy against model bytes: cifar10, cifar-cnn (engine, avx512)'
set logscale x
set format x '%.0s%cB'
set xlabel 'model bytes (packed weights + scales + float parameters)'
set ylabel 'test accuracy (%)'
set offsets graph 0.1, graph 0.1, graph 0.1, graph 0.1
$D << EOD
float 1237184 83.760
binary 132160 78.960
ternary 168256 82.060
sq 132160 83.120
EOD
plot $D using 2:3 with points pt 7 ps 2 lc rgb '#1f77b4' notitle, '' using 2:3:1 with labels offset 0,1.3 notitle

reset
set terminal pngcairo size 1000,600 font ',10' noenhanced
set output 'latency.png'.suffix
set grid
set title 'Batch-1 latency per model and kernel level (median, one thread): cifar10, cifar-cnn'
set logscale y
set ylabel 'microseconds per image'
set style fill solid 0.7
set boxwidth 0.7
set xtics rotate by -30
set yrange [*:*]
$L << EOD
"float OpenBLAS" 864.029
"binary avx512" 625.665
"binary avx2" 1005.094
"binary scalar" 25703.092
"ternary avx512" 631.240
"ternary avx2" 1094.372
"ternary scalar" 43798.593
"sq avx512" 611.409
"sq avx2" 897.656
"sq scalar" 24823.284
EOD
plot $L using 0:2:xtic(1) with boxes lc rgb '#2ca02c' notitle, '' using 0:2:(sprintf('%.0f', $2)) with labels offset 0,0.8 notitle

reset
set terminal pngcairo size 900,600 font ',10' noenhanced
set output 'sq_depth.png'.suffix
set grid
set title 'The SQ model, layer by layer: bits per weight (cifar10, cifar-cnn)'
set logscale y 2
set yrange [0.5:256]
set ylabel 'bits per weight (1 binary, 2 ternary, 32 float)'
set xlabel 'layer (index in the model, op)'
set xtics rotate by -30
set bmargin 7
set style fill solid 0.7
set boxwidth 0.6
$S << EOD
"0 conv3x3:32+bn+relu" 32 "float, 864 weights"
"3 conv3x3:32+bn+relu" 1 "binary, 9216 weights"
"7 conv3x3:64+bn+relu" 1 "binary, 18432 weights"
"10 conv3x3:64+bn+relu" 1 "binary, 36864 weights"
"14 conv3x3:128+bn+relu" 1 "binary, 73728 weights"
"17 conv3x3:128+bn+relu" 1 "binary, 147456 weights"
"22 fc:10" 32 "float, 20480 weights"
EOD
plot $S using 0:2:xtic(1) with boxes lc rgb '#d62728' notitle, '' using 0:2:3 with labels rotate by 90 left offset 0,0.5 notitle

reset
set terminal pngcairo size 900,650 font ',10' noenhanced
set output 'beta.png'.suffix
set grid
set title 'SQ: beta of each quantized layer over training (cifar10, cifar-cnn)'
set xlabel 'epoch'
set xtics 1
set ylabel 'beta (rad)'
set yrange [0.7:1.65]
set key outside below maxcols 2
set arrow from 4.5, graph 0 to 4.5, graph 1 nohead lc rgb 'gray'
set label 'depths frozen' at 4.6, graph 0.95
$B << EOD
1 1.36128 1.28090 1.29626 1.25477 1.23547
2 1.55480 1.54930 1.54250 1.53710 1.52241
3 1.56080 1.55970 1.55660 1.55445 1.54727
4 1.56080 1.56080 1.56080 1.56080 1.56080
5 1.56080 1.56080 1.56080 1.56080 1.56080
6 1.56080 1.56080 1.56080 1.56080 1.56080
EOD
plot pi/2 with lines dt 2 lc rgb 'black' title 'pi/2: the binary penalty', atan(81) with lines dt 3 lw 2 lc rgb 'red' title 'atan(81): above it a layer turns binary (u0 = 0.1, p = 2: the default depth rule)', pi/4 with lines dt 4 lc rgb 'gray30' title 'pi/4: the ternary penalty', $B using 1:2 with linespoints lw 2 title 'layer 3 conv3x3:32+bn+relu', $B using 1:3 with linespoints lw 2 title 'layer 7 conv3x3:64+bn+relu', $B using 1:4 with linespoints lw 2 title 'layer 10 conv3x3:64+bn+relu', $B using 1:5 with linespoints lw 2 title 'layer 14 conv3x3:128+bn+relu', $B using 1:6 with linespoints lw 2 title 'layer 17 conv3x3:128+bn+relu'
