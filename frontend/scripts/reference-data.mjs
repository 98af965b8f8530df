// planmap's geographic reference layer: the seats of every district and
// county of Wenzhou and Quanzhou, the enclave hosts, the towns the plans
// name, the main rivers and estuaries, lakes and reservoirs, islands and
// seas, drawn under the planning layers of the offline basemap.
//
// Provenance: authored by hand for planmap from general geographic
// knowledge (the places' published names, their well-known relative
// positions, the coastline already in the basemap), the way the planning
// layers were. Nothing was copied from any map, and nothing from Gaode,
// Baidu or any other GCJ-02/BD-09 source. Coordinates are WGS84.
//
// Precision: seats and towns ±2 km; river centre lines ±1–3 km and their
// widths schematic (wide enough to read at the zoom they show, so an
// estuary port sits on water); lakes and reservoirs are outlines to ±3 km
// (山美水库 ±5 km). This is context for reading the plan, not survey data.
//
// Licence: CC BY 4.0, planmap contributors (as the planning layers).
//
// Place ranks: 1 prefecture-level city (shown from zoom 5), 2 district,
// county or county-level city seat (zoom 8), 3 town or sub-district (zoom 10).

export const PROVENANCE = {
  title: 'planmap geographic reference layer',
  license: 'CC BY 4.0',
  credit: 'planmap contributors',
  method: 'authored from general geographic knowledge; no map data copied; no GCJ-02/BD-09 sources',
  precision: 'places ±2 km; rivers ±1–3 km, schematic widths; lakes ±3 km (山美水库 ±5 km)',
  datum: 'WGS84',
};

/** [name, English name, rank, lon, lat, city] */
export const PLACES = [
  // Wenzhou: the city and its 4 districts, 3 county-level cities and 5 counties
  ['温州', 'Wenzhou', 1, 120.672, 28.000, '温州市'],
  ['鹿城区', 'Lucheng', 2, 120.655, 28.015, '温州市'],
  ['龙湾区', 'Longwan', 2, 120.830, 27.922, '温州市'],
  ['瓯海区', 'Ouhai', 2, 120.614, 27.966, '温州市'],
  ['洞头区', 'Dongtou', 2, 121.157, 27.836, '温州市'],
  ['乐清市', 'Yueqing', 2, 120.983, 28.113, '温州市'],
  ['瑞安市', "Rui'an", 2, 120.655, 27.780, '温州市'],
  ['龙港市', 'Longgang', 2, 120.553, 27.578, '温州市'],
  ['永嘉县', 'Yongjia', 2, 120.691, 28.153, '温州市'],
  ['平阳县', 'Pingyang', 2, 120.565, 27.662, '温州市'],
  ['苍南县', 'Cangnan', 2, 120.426, 27.518, '温州市'],
  ['文成县', 'Wencheng', 2, 120.091, 27.787, '温州市'],
  ['泰顺县', 'Taishun', 2, 119.717, 27.557, '温州市'],
  // Wenzhou towns and sub-districts the plans name
  ['七都街道', 'Qidu', 3, 120.738, 28.030, '温州市'],
  ['灵昆街道', 'Lingkun', 3, 120.905, 27.952, '温州市'],
  ['状元街道', 'Zhuangyuan', 3, 120.760, 27.965, '温州市'],
  ['鳌江镇', 'Aojiang', 3, 120.585, 27.607, '温州市'],
  ['柳市镇', 'Liushi', 3, 120.860, 28.050, '温州市'],
  ['虹桥镇', 'Hongqiao', 3, 121.030, 28.185, '温州市'],
  ['塘下镇', 'Tangxia', 3, 120.720, 27.840, '温州市'],
  ['大门镇', 'Damen', 3, 121.085, 27.958, '温州市'],
  ['北岙街道', "Bei'ao", 3, 121.140, 27.842, '温州市'],
  ['水头镇', 'Shuitou', 3, 120.390, 27.635, '温州市'],
  ['灵溪镇', 'Lingxi', 3, 120.420, 27.510, '温州市'],
  ['大峃镇', 'Daxue', 3, 120.085, 27.795, '温州市'],
  // Quanzhou: the city and its 4 districts, 3 county-level cities, 4 counties and the Taiwanese investment zone
  ['泉州', 'Quanzhou', 1, 118.589, 24.908, '泉州市'],
  ['鲤城区', 'Licheng', 2, 118.570, 24.900, '泉州市'],
  ['丰泽区', 'Fengze', 2, 118.613, 24.889, '泉州市'],
  ['洛江区', 'Luojiang', 2, 118.671, 24.940, '泉州市'],
  ['泉港区', 'Quangang', 2, 118.916, 25.120, '泉州市'],
  ['石狮市', 'Shishi', 2, 118.648, 24.732, '泉州市'],
  ['晋江市', 'Jinjiang', 2, 118.552, 24.782, '泉州市'],
  ['南安市', "Nan'an", 2, 118.386, 24.960, '泉州市'],
  ['惠安县', "Hui'an", 2, 118.797, 25.031, '泉州市'],
  ['安溪县', 'Anxi', 2, 118.186, 25.056, '泉州市'],
  ['永春县', 'Yongchun', 2, 118.294, 25.322, '泉州市'],
  ['德化县', 'Dehua', 2, 118.241, 25.492, '泉州市'],
  ['泉州台商投资区', 'Quanzhou Taiwanese Investment Zone', 2, 118.735, 24.965, '泉州市'],
  // Quanzhou towns the plans name
  ['洛阳镇', 'Luoyang', 3, 118.684, 24.960, '泉州市'],
  ['东园镇', 'Dongyuan', 3, 118.725, 24.985, '泉州市'],
  ['张坂镇', 'Zhangban', 3, 118.770, 24.990, '泉州市'],
  ['百崎回族乡', 'Baiqi', 3, 118.745, 24.935, '泉州市'],
  ['崇武镇', 'Chongwu', 3, 118.920, 24.890, '泉州市'],
  ['安海镇', 'Anhai', 3, 118.465, 24.715, '泉州市'],
  // the enclaves' hosts
  ['上海', 'Shanghai', 1, 121.473, 31.230, '上海市'],
  ['嘉定区', 'Jiading', 2, 121.250, 31.383, '上海市'],
  ['嘉定新城', 'Jiading New Town', 3, 121.245, 31.350, '上海市'],
  ['安亭镇', 'Anting', 3, 121.165, 31.295, '上海市'],
  ['南翔镇', 'Nanxiang', 3, 121.320, 31.300, '上海市'],
  ['嘉兴', 'Jiaxing', 1, 120.755, 30.746, '嘉兴市'],
  ['平湖市', 'Pinghu', 2, 121.015, 30.676, '嘉兴市'],
  // neighbouring cities, for the regional view
  ['杭州', 'Hangzhou', 1, 120.155, 30.274, '杭州市'],
  ['宁波', 'Ningbo', 1, 121.550, 29.874, '宁波市'],
  ['台州', 'Taizhou', 1, 121.420, 28.656, '台州市'],
  ['丽水', 'Lishui', 1, 119.923, 28.468, '丽水市'],
  ['金华', 'Jinhua', 1, 119.647, 29.079, '金华市'],
  ['义乌市', 'Yiwu', 2, 120.075, 29.306, '金华市'],
  ['玉环市', 'Yuhuan', 2, 121.232, 28.136, '台州市'],
  ['福州', 'Fuzhou', 1, 119.296, 26.075, '福州市'],
  ['宁德', 'Ningde', 1, 119.548, 26.666, '宁德市'],
  ['莆田', 'Putian', 1, 119.008, 25.454, '莆田市'],
  ['厦门', 'Xiamen', 1, 118.089, 24.480, '厦门市'],
];

/** [name, English name, lon, lat] */
export const ISLANDS = [
  ['洞头岛', 'Dongtou Island', 121.135, 27.850],
  ['灵昆岛', 'Lingkun Island', 120.880, 27.955],
  ['七都岛', 'Qidu Island', 120.728, 28.036],
  ['大门岛', 'Damen Island', 121.100, 27.966],
  ['小门岛', 'Xiaomen Island', 121.058, 27.998],
  ['状元岙岛', "Zhuangyuan'ao Island", 121.050, 27.858],
  ['南麂列岛', 'Nanji Islands', 121.080, 27.460],
  ['崇明岛', 'Chongming Island', 121.550, 31.620],
  ['金门岛', 'Kinmen Island', 118.350, 24.450],
];

/** Seas, bays and straits: [name, English name, lon, lat] */
export const SEAS = [
  ['东海', 'East China Sea', 122.200, 27.600],
  ['台湾海峡', 'Taiwan Strait', 119.600, 24.500],
  ['乐清湾', 'Yueqing Bay', 121.080, 28.200],
  ['温州湾', 'Wenzhou Bay', 121.000, 27.880],
  ['泉州湾', 'Quanzhou Bay', 118.770, 24.850],
  ['杭州湾', 'Hangzhou Bay', 121.200, 30.450],
];

/**
 * Rivers as centre lines with a width (metres) at each vertex: the build
 * draws every river as a line, and where it is wider than 250 m also as
 * water (a ribbon around the line), so estuaries read as water.
 * [name, English name, [[lon, lat, width m], …]]
 */
export const RIVERS = [
  ['瓯江', 'Ou River', [
    [119.923, 28.445, 200], [120.050, 28.330, 250], [120.160, 28.215, 300], [120.290, 28.140, 400],
    [120.400, 28.115, 500], [120.500, 28.075, 700], [120.580, 28.048, 900], [120.640, 28.030, 1000],
    [120.700, 28.018, 800], [120.740, 28.010, 800], [120.780, 28.000, 1200], [120.820, 27.984, 1700], [120.860, 27.972, 2200],
    [120.930, 27.965, 3000], [121.000, 27.958, 4000],
  ]],
  ['瓯江北支', 'Ou River, north channel', [
    [120.690, 28.036, 500], [120.730, 28.050, 500], [120.770, 28.040, 600], [120.790, 28.010, 700],
  ]],
  ['楠溪江', 'Nanxi River', [
    [120.600, 28.450, 80], [120.650, 28.310, 120], [120.680, 28.200, 150], [120.690, 28.100, 200], [120.692, 28.045, 250],
  ]],
  ['飞云江', 'Feiyun River', [
    [119.780, 27.610, 150], [119.900, 27.665, 250], [120.000, 27.690, 700], [120.080, 27.700, 600],
    [120.200, 27.715, 300], [120.330, 27.735, 400], [120.450, 27.752, 500], [120.560, 27.762, 700],
    [120.630, 27.765, 900], [120.690, 27.758, 1300], [120.750, 27.745, 2000],
  ]],
  ['鳌江', 'Ao River', [
    [120.250, 27.665, 100], [120.360, 27.625, 200], [120.450, 27.603, 350], [120.530, 27.597, 600],
    [120.585, 27.593, 800], [120.640, 27.586, 1200], [120.690, 27.580, 1800],
  ]],
  ['晋江', 'Jin River', [
    [118.200, 25.080, 100], [118.300, 25.000, 150], [118.390, 24.958, 250], [118.470, 24.928, 300],
    [118.530, 24.902, 350], [118.580, 24.886, 450], [118.620, 24.875, 700], [118.660, 24.866, 1100], [118.700, 24.858, 1600],
  ]],
  ['洛阳江', 'Luoyang River', [
    [118.620, 25.100, 60], [118.650, 25.030, 100], [118.670, 24.980, 300], [118.686, 24.955, 500],
    [118.702, 24.935, 900], [118.730, 24.915, 1500],
  ]],
  ['黄浦江', 'Huangpu River', [
    [121.250, 30.960, 300], [121.400, 31.030, 400], [121.470, 31.150, 450], [121.500, 31.230, 450],
    [121.530, 31.300, 500], [121.505, 31.390, 600],
  ]],
];

/** Lakes and reservoirs: [name, English name, [[lon, lat], …] (a closed ring)] */
export const LAKES = [
  ['珊溪水库（飞云湖）', 'Shanxi Reservoir (Feiyun Lake)', [
    [119.900, 27.660], [119.960, 27.672], [120.020, 27.682], [120.080, 27.690], [120.110, 27.700],
    [120.080, 27.707], [120.020, 27.700], [119.960, 27.690], [119.905, 27.675], [119.900, 27.660],
  ]],
  ['山美水库', 'Shanmei Reservoir', [
    [118.300, 25.160], [118.340, 25.155], [118.370, 25.168], [118.350, 25.185], [118.310, 25.182], [118.300, 25.160],
  ]],
  ['淀山湖', 'Dianshan Lake', [
    [120.890, 31.110], [120.920, 31.080], [120.965, 31.075], [121.000, 31.100], [120.995, 31.140],
    [120.960, 31.165], [120.915, 31.160], [120.890, 31.110],
  ]],
  ['南湖', 'South Lake', [
    [120.758, 30.744], [120.768, 30.740], [120.776, 30.746], [120.770, 30.753], [120.760, 30.752], [120.758, 30.744],
  ]],
  ['西湖', 'West Lake', [
    [120.132, 30.240], [120.145, 30.228], [120.160, 30.235], [120.162, 30.255], [120.150, 30.265], [120.136, 30.258], [120.132, 30.240],
  ]],
  ['太湖', 'Lake Tai', [
    [119.920, 31.170], [120.050, 31.000], [120.200, 30.930], [120.400, 30.950], [120.550, 31.050], [120.620, 31.200],
    [120.550, 31.380], [120.420, 31.500], [120.250, 31.520], [120.100, 31.450], [119.980, 31.320], [119.920, 31.170],
  ]],
];
